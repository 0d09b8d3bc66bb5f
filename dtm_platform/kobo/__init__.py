"""The Kobo integration: the KPI v2 client, the form registry (``forms.yml``), landing,
reconciliation, attachments and audit logs into ``raw``. The embedded server it is tested
against is ``dtm_platform.kobo_mock``, beside it."""
