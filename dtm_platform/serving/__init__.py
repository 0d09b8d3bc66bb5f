"""Serving: what leaves the platform, built only from marts whose gates passed.

- ``marts.py``       which mart tables are published, and the one SELECT each target uses
- ``disclosure.py``  small-cell suppression for marts built from interviews
- ``personal.py``    the declared personal fields (names and values) no output may carry
- ``inventory.py``   what each target published, scanned after writing: the gates read it
- ``snapshot.py``    DTM_HOME/serving/marts.duckdb, replaced atomically
- ``exports.py``     Parquet and CSV of every mart with a manifest, written atomically
- ``postgres.py``    COPY into a fresh schema, swapped in within one transaction
- ``hdx.py``         the HXL-tagged CSV of the public DTM figures for HDX

Each module works without Dagster; ``defs/serving/assets.py`` wires them as assets.
"""
