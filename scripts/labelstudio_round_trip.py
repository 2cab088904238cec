"""Round trip of LabelDesk's Label Studio export through a real Label Studio server.

Not a test, and never run by the tests (it needs a running Label Studio, which the tests
never install or start): the driver that captured the fixtures
``tests/interop/fixtures/labelstudio_round_trip*.json`` (session 47) and
``labelstudio_verified*.json`` (session 49). Use it to check a Label Studio version, or
your own export, by hand. It logs in with a session (legacy API tokens are off in Label
Studio 1.23), makes a project with the export's ``labeling_config.xml`` and a *Local
files* storage of its images, imports its ``tasks.json``, changes annotations as an
annotator would through the API, and saves Label Studio's own exports. Only the standard
library is used: run it with any Python 3.10 or newer.

1. Export the project for Label Studio::

    labeldesk export PROJECT OUT --format labelstudio

2. Start Label Studio (in a virtual environment of its own, ``pip install label-studio
   "sentry-sdk<3"``: Label Studio 1.23.2 asks for ``sentry-sdk>=2.16`` and does not
   start with 3.0, *TypeError: Unknown option 'send_default_pii'*) serving the export's
   images, e.g.::

    LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true \\
    LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=/abs/path/to/OUT \\
    label-studio start --no-browser --host 127.0.0.1 --port 8093 \\
        --username ann@example.com --password Secret-pw-123

   (the user is made on the first start; wait until ``http://127.0.0.1:8093`` answers)

3. Write ``CHANGES.json``, what the annotator does, by the image's project path (the
   task's ``data.path``)::

    {"train/cat/a.png": {"label": "dog"},
     "train/cat/b.png": {"label": "dog", "new": true},
     "val/dog/c.png": {"skip": true},
     "val/dog/d.png": {"delete": true}}

   ``{"label": "dog"}`` edits the task's newest annotation (LabelDesk's export made one
   of each labeled image) or, on a task without one, makes the first; ``"new": true``
   adds a second annotation instead (the newest counts); ``{"skip": true}`` adds a
   cancelled annotation (ignored on import: the older one counts); ``{"delete": true}``
   deletes the task's annotations (the task gives no label).

4. Run it, then import what Label Studio exported::

    python scripts/labelstudio_round_trip.py OUT CHANGES.json SAVED \\
        --url http://127.0.0.1:8093 --username ann@example.com --password Secret-pw-123
    labeldesk import PROJECT SAVED/export.json

``SAVED`` is a folder (made if needed) that receives ``export.json`` (Label Studio's JSON
export: the tasks with an annotation, as its Export button gives them),
``export_all.json`` (the same with every task, those without an annotation too:
``download_all_tasks=true``), ``export_min.json`` (JSON-MIN) and
``images_served.json`` (each task's image URL and the HTTP status Label Studio answered
it with: 200 for each, or the images would not show to an annotator). Each run makes a
new Label Studio project (``--title``).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


class Session:
    """A logged-in browser session: the CSRF cookie, then the login form."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _csrf(self) -> str:
        return next((c.value or "" for c in self.jar if c.name == "csrftoken"), "")

    def login(self, username: str, password: str) -> None:
        try:
            self.opener.open(self.url + "/user/login/").read()
        except (urllib.error.URLError, OSError) as exc:
            raise SystemExit(
                f"cannot reach Label Studio at {self.url} ({exc}): start it first (see --help)"
            ) from exc
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self._csrf(), "email": username, "password": password}
        ).encode()
        request = urllib.request.Request(
            self.url + "/user/login/", data=form, headers={"Referer": self.url + "/user/login/"}
        )
        self.opener.open(request).read()
        if not any(c.name == "sessionid" for c in self.jar):
            raise SystemExit("login failed: no session cookie (wrong username or password?)")

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-CSRFToken": self._csrf()}
        headers["Referer"] = self.url + "/"
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with self.opener.open(request) as answer:
                text = answer.read()
        except urllib.error.HTTPError as exc:
            raise SystemExit(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from exc
        return json.loads(text) if text.strip() else None

    def status(self, path: str) -> int:
        try:
            with self.opener.open(self.url + path) as answer:
                answer.read()
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


def choice(label: str) -> list[dict[str, Any]]:
    return [
        {
            "from_name": "choice",
            "to_name": "image",
            "type": "choices",
            "value": {"choices": [label]},
        }
    ]


def all_tasks(session: Session, project: int) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    page = 1
    while True:
        got = session.call("GET", f"/api/tasks?project={project}&page={page}&page_size=100")
        batch = got["tasks"] if isinstance(got, dict) else got
        tasks += batch
        if len(batch) < 100:
            return tasks
        page += 1


def annotate(session: Session, task: dict[str, Any], change: dict[str, Any]) -> None:
    """Do to ``task`` what an annotator would for ``change``."""
    tid = task["id"]
    annotations = session.call("GET", f"/api/tasks/{tid}/annotations/")
    if change.get("delete"):
        for annotation in annotations:
            session.call("DELETE", f"/api/annotations/{annotation['id']}/")
    elif change.get("skip"):
        session.call(
            "POST", f"/api/tasks/{tid}/annotations/", {"result": [], "was_cancelled": True}
        )
    elif annotations and not change.get("new"):
        newest = max(annotations, key=lambda a: a["id"])
        session.call(
            "PATCH", f"/api/annotations/{newest['id']}/", {"result": choice(change["label"])}
        )
    else:
        session.call("POST", f"/api/tasks/{tid}/annotations/", {"result": choice(change["label"])})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("export", type=Path, help="LabelDesk's Label Studio export (OUT)")
    parser.add_argument("changes", type=Path, help="JSON: project path -> change")
    parser.add_argument("saved", type=Path, help="folder for Label Studio's exports")
    parser.add_argument("--url", default="http://127.0.0.1:8093")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--title", default="LabelDesk round trip")
    args = parser.parse_args(argv)

    for name in ("labeling_config.xml", "tasks.json"):
        if not (args.export / name).is_file():
            raise SystemExit(
                f"{args.export} has no {name}: give the folder that "
                "`labeldesk export PROJECT OUT --format labelstudio` wrote"
            )
    changes = json.loads(args.changes.read_text(encoding="utf-8"))
    if not isinstance(changes, dict):
        raise SystemExit(f"{args.changes}: expected an object, project path -> change")
    for path, change in changes.items():
        if not isinstance(change, dict) or not (
            isinstance(change.get("label"), str) or change.get("skip") or change.get("delete")
        ):
            raise SystemExit(
                f"{args.changes}: {path!r}: expected {{'label': CLASS}} (and 'new': true), "
                f"{{'skip': true}} or {{'delete': true}}, not {change!r}"
            )
    session = Session(args.url)
    session.login(args.username, args.password)
    config = (args.export / "labeling_config.xml").read_text(encoding="utf-8")
    project = session.call("POST", "/api/projects", {"title": args.title, "label_config": config})
    pid = project["id"]
    tasks = json.loads((args.export / "tasks.json").read_text(encoding="utf-8"))
    imported = session.call("POST", f"/api/projects/{pid}/import", tasks)
    print(f"project {pid}: imported {imported.get('task_count')} of {len(tasks)} tasks")

    # Label Studio 1.23 serves /data/local-files/ only below a Local files storage of the
    # project (never the document root itself): OUT/images, with the root at OUT
    images = str((args.export / "images").resolve())
    session.call(
        "POST",
        "/api/storages/localfiles",
        {"project": pid, "path": images, "use_blob_urls": True, "title": "LabelDesk images"},
    )
    stored = all_tasks(session, pid)
    by_path = {t["data"]["path"]: t for t in stored}
    served = {t["data"]["path"]: session.status(t["data"]["image"]) for t in stored}
    for path, change in changes.items():
        if path not in by_path:
            raise SystemExit(f"no task has data.path {path!r}")
        annotate(session, by_path[path], change)
    print(f"{len(changes)} tasks annotated")

    args.saved.mkdir(parents=True, exist_ok=True)
    for query, name in (
        ("exportType=JSON", "export.json"),
        ("exportType=JSON&download_all_tasks=true", "export_all.json"),
        ("exportType=JSON_MIN", "export_min.json"),
    ):
        exported = session.call("GET", f"/api/projects/{pid}/export?{query}")
        text = json.dumps(exported, ensure_ascii=False, indent=1)
        (args.saved / name).write_text(text + "\n", encoding="utf-8")
    (args.saved / "images_served.json").write_text(
        json.dumps(served, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    bad = {p: code for p, code in served.items() if code != 200}
    print(
        f"images served: {len(served) - len(bad)} of {len(served)}"
        + (f"; not: {bad}" if bad else "")
    )
    version = session.call("GET", "/api/version")
    print("label studio", (version or {}).get("release") or version)
    print(f"saved in {args.saved}: now `labeldesk import PROJECT {args.saved / 'export.json'}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
