"""Notes: the notes shown on the time charts. Editors add, edit and remove them; everyone sees them."""

from __future__ import annotations

import streamlit as st

from rasl_data.analytics import notes as notes_data
from rasl_data.i18n import _
from ui import context, filters, frame, notes, widgets

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
written = context.workspace().annotations()

st.title(_("Notes"))
st.caption(_("Notes appear on every time chart of the dashboard and of the weekly pack, as a dotted line on their "
             "day or a shaded span. Switch kinds of notes off in the sidebar under “Notes on charts”."))

st.header(_("Notes written by people"))
notes.draw_forms(written)
notes.draw_list(written)

st.header(_("Automatic notes in this range"))
st.caption(widgets.range_caption(view, with_comparison=False))
st.caption(_("Sources created and renamed (as the sync saw them), Ramadan, Eid al-Fitr and Eid al-Adha (Umm al-Qura "
             "calendar), and stretches of more than {days} days without a successful sync.").format(days=notes_data.SYNC_GAP_DAYS))
notes.draw_automatic(view)
