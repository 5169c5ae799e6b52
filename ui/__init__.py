"""Streamlit helpers shared by ``app.py`` and ``pages/``: workspace access, filters, badges.

Rendering only: data comes from ``rasl_data`` (no SQL, no HTTP here).
"""
