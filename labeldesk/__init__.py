"""LabelDesk: curate image-classification datasets locally.

Notebook entry point::

    import labeldesk
    project = labeldesk.open_project("my-project")
    df = project.images()
    project.set_label("train/cat/001.jpg", "dog")
"""

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.project import Project, open_project

__version__ = "0.1.0"
__all__ = ["LabelDeskError", "Project", "__version__", "open_project"]
