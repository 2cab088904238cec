"""An open project notices what other processes wrote (and only that): the app's
browser follows a `labeldesk label` typed in a terminal, not its own key presses twice,
and not a child process saving embeddings."""

from __future__ import annotations

import threading

from labeldesk.core.outside_writes import OutsideWrites
from labeldesk.core.project import open_project


def test_only_other_connections_changes_to_what_is_shown_count(project):
    watch = OutsideWrites(project.db)
    other = open_project(project.path)  # another process's connection
    try:
        assert not watch.poll()
        project.set_label("_unlabeled/u0.png", "dog")  # this process: its views know
        project.add_classes(["bird"])
        assert not watch.poll()

        other.set_label("_unlabeled/u1.png", "cat")
        assert watch.poll()
        assert not watch.poll()  # told once

        other.db.set_meta("embedding_note", "x")  # committed, but nothing shown changed
        assert not watch.poll()

        other.add_classes(["fish"])  # a class list change alone
        assert watch.poll()

        project.set_label("_unlabeled/u2.png", "dog")  # both wrote: theirs is not lost
        other.rename_class("fish", "trout")
        assert watch.poll()

        other.scan()  # a finished scan, even one that found nothing new
        assert watch.poll()
    finally:
        other.close()


def test_while_this_process_writes_it_looks_again_later(project):
    watch = OutsideWrites(project.db)
    other = open_project(project.path)
    try:
        other.set_label("_unlabeled/u1.png", "cat")
        seen: list[bool] = []
        with project.db.write():  # this process writes (here); the poll runs elsewhere
            worker = threading.Thread(target=lambda: seen.append(watch.poll()))
            worker.start()
            worker.join()
        assert seen == [False]  # did not wait for the write, nor swallow the change
        assert watch.poll()
    finally:
        other.close()
