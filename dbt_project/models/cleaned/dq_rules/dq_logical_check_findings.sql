-- The officer's logical checks (rows of ref_dq_rules with an expression): one row per
-- submission whose corrected answers make the check false, with the values the check read.
-- The expressions were parsed and rendered as SQL by dtm_platform/quality/logical_checks.py
-- (the var dq_logical_checks); here each is checked against its form's model before it
-- runs, so an unknown form or field stops the build naming the seed's row. A blank answer
-- makes no finding (the check is unknown, not false).
{%- set checks = var('dq_logical_checks', []) %}
{%- set forms = cleaning_log_forms() %}
{%- set selects = [] %}
{%- for check in checks %}
    {%- set where = 'ref_dq_rules.csv row ' ~ check.row ~ ' (rule ' ~ check.rule ~ ', form ' ~ check.form ~ ')' %}
    {%- if check.form not in forms %}
        {{ exceptions.raise_compiler_error(where ~ ': a logical check runs on one of the forms '
                                           ~ (forms.keys() | sort | join(', '))) }}
    {%- endif %}
    {%- set relation = ref('cln_' ~ check.form ~ '_corrected') %}
    {%- if execute %}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list %}
        {%- for name in check.fields if name not in columns %}
            {{ exceptions.raise_compiler_error(where ~ ": '" ~ name ~ "' is not a field of " ~ check.form
                                               ~ ' (' ~ check.expression ~ ')') }}
        {%- endfor %}
    {%- endif %}
    {%- set shown = [] %}
    {%- for name in check.fields %}
        {%- do shown.append("'" ~ name ~ " = ' || coalesce(cast(\"" ~ name ~ "\" as varchar), 'blank')") %}
    {%- endfor %}
    {%- do selects.append("select '" ~ check.form ~ "' as form, submission_id, '" ~ check.rule ~ "' as rule, '"
        ~ check.field ~ "' as field, concat_ws(', ', " ~ (shown | join(', ')) ~ ") as value from " ~ relation
        ~ " where not coalesce(" ~ check.sql ~ ", true)") %}
{%- endfor %}
{%- if selects %}
{{ selects | join('\nunion all\n') }}
{%- else %}
select null::varchar as form, null::bigint as submission_id, null::varchar as rule, null::varchar as field,
       null::varchar as value
where false
{%- endif %}
