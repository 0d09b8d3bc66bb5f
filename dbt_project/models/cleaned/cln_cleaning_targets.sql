-- What the cleaning log may correct, as it stands in staging now: one row per submission
-- of a form the log covers and per field it may correct (correctable_fields), and per
-- answer inside a repeat it may correct (correctable_repeats, addressed as
-- `travel_group[2]/member_age`), with the answer's type, its question's name in the form
-- and its value as text. A view: the cleaning log and the import of returned verification
-- workbooks (dtm_platform/cleaning/answers.py) read only the cells they name.
{{ config(materialized='view') }}
{%- set selects = [] %}
{%- for form, model in cleaning_log_forms().items() %}
    {%- set questions = staging_question_names(form) %}
    {%- for field, type in correctable_fields(form).items() %}
        {%- do selects.append("select '" ~ form ~ "' as form, submission_id, '" ~ field ~ "' as field, '"
            ~ type ~ "' as value_type, '" ~ questions.get(field, field) ~ "' as question_name, cast("
            ~ field ~ " as varchar) as current_value from " ~ ref(model)) %}
    {%- endfor %}
    {%- for repeat, spec in correctable_repeats(form).items() %}
        {%- for column, typed in spec.fields.items() %}
            {%- do selects.append("select '" ~ form ~ "', submission_id, "
                ~ repeat_cell_address(repeat, spec.positions, column) ~ ", '" ~ typed[0] ~ "', '" ~ typed[1]
                ~ "', cast(" ~ column ~ " as varchar) from " ~ ref(spec.model)) %}
        {%- endfor %}
    {%- endfor %}
{%- endfor %}
{{ selects | join('\nunion all\n') }}
