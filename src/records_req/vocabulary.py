"""The program's small closed vocabularies, each defined once here and read by every part and
every door (the command line's choices, the dashboard's menus, the engine and the sheet reader):

- ``VIAS``: how a request goes out;
- ``MODELS`` and ``MODEL_NAMES``: ICE's 287(g) models, as the lists write them;
- ``LANGUAGES``: the languages the reports and the dashboard speak.

A leaf module with no imports of its own, so the command line can read it at start-up.
"""

from __future__ import annotations

from typing import Literal

Via = Literal["mail", "email", "portal", "fax", "hand"]
VIAS: tuple[Via, ...] = ("mail", "email", "portal", "fax", "hand")

Model = Literal["JEM", "TFM", "WSO"]
MODEL_NAMES: dict[Model, str] = {
    "WSO": "Warrant Service Officer",
    "JEM": "Jail Enforcement Model",
    "TFM": "Task Force Model",
}
MODELS: tuple[Model, ...] = tuple(MODEL_NAMES)
# The models as typed on the command line and in a form: 'wso', 'jem', 'tfm'.
MODEL_CHOICES: tuple[str, ...] = tuple(m.lower() for m in MODELS)

LANGUAGES: tuple[str, ...] = ("en", "es")
