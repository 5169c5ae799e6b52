"""Who may change what: the actor behind a change and the editor check every change passes.

Every change made through the dashboard (or the CLI) names an :class:`Actor`. The check lives
here, in the data layer, and is called by the method that performs the change
(``Workspace.create_source`` & co.), so a crafted request that reaches a callback is refused on
the server side whatever the page drew. Without sign-in the dashboard acts as
:data:`LOCAL_ACTOR` (``local``, an editor); with ``RASL_READ_ONLY=1`` as a viewer.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasl_data.errors import RaslError
from rasl_data.i18n import N_, _

EDITOR = "editor"
VIEWER = "viewer"
ROLES = (EDITOR, VIEWER)


@dataclass(frozen=True)
class Actor:
    """The person (or process) behind a change.

    ``email``: the signed-in e-mail address, ``local`` for the dashboard without sign-in, ``cli``
    for the command line. ``role``: ``editor`` (may change sources, rules, labels and settings)
    or ``viewer`` (reads only).
    """

    email: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {ROLES}")

    @property
    def can_edit(self) -> bool:
        """True for editors."""
        return self.role == EDITOR


LOCAL_ACTOR = Actor("local", EDITOR)
LOCAL_VIEWER = Actor("local", VIEWER)
CLI_ACTOR = Actor("cli", EDITOR)


class AccessDeniedError(RaslError):
    """A viewer (or a read-only dashboard) asked for a change; nothing was changed."""

    default_title = N_("Your role does not allow changes. Ask an editor.")


def require_editor(actor: Actor, action: str) -> None:
    """Raise ``AccessDeniedError`` unless ``actor`` is an editor.

    ``action`` is the audit action name (e.g. ``source.create``), used in the message's detail; the
    title is in the interface language in effect.
    """
    if not isinstance(actor, Actor):
        raise TypeError("a change needs an Actor")
    if not actor.can_edit:
        raise AccessDeniedError(
            _("{email} is a viewer: viewers cannot make changes. Ask an editor.").format(email=actor.email),
            f"refused {action} for {actor.email} (role {actor.role})",
        )
