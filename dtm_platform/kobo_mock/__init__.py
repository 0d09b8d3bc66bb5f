"""The embedded KPI-compatible server (``server.py``) and the synthetic forms it serves
(``catalogue.py``, ``generator.py``, ``forms/``), each with its ground truth. Nothing of
the Kobo integration (``dtm_platform.kobo``) is imported here; the integration reads the
reference forms of its kinds from here (``kobo/kinds.py``)."""
