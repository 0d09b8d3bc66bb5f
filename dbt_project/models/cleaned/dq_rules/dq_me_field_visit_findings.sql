-- The data-quality rules of the field monitoring visits (form me_field_visit), one row per
-- submission and rule, for dq_issues (which adds severity and description from
-- ref_dq_rules). A visit sent twice has the same answers and the same findings as the copy
-- received first: the later one is the duplicate. A visit an officer edited since (a
-- finding closed) is judged as it is now. `value` never carries the dropped free texts.
--
-- The rules are in macros/dq_rules/me_field_visit.sql.
{{ dq_rules_me_field_visit() }}
