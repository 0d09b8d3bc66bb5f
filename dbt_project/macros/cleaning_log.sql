{#- The fields of a form a data officer may correct through the cleaning log, with their
    staging types. A correction to any other field is reported as unknown_field. -#}
{% macro correctable_fields(form) -%}
    {%- set fields = {
        'dtm_locality': {
            'round': 'integer', 'admin1_pcode': 'varchar', 'admin2_pcode': 'varchar',
            'locality_name': 'varchar', 'idp_households': 'integer', 'idp_individuals': 'integer',
            'idp_m_0_5': 'integer', 'idp_f_0_5': 'integer', 'idp_m_6_17': 'integer', 'idp_f_6_17': 'integer',
            'idp_m_18_59': 'integer', 'idp_f_18_59': 'integer', 'idp_m_60': 'integer', 'idp_f_60': 'integer',
            'returnee_internal_households': 'integer', 'returnee_internal_individuals': 'integer',
            'returnee_abroad_households': 'integer', 'returnee_abroad_individuals': 'integer',
            'gps_latitude': 'double', 'gps_longitude': 'double'
        }
    } -%}
    {{ return(fields[form]) }}
{%- endmacro %}


{#- Current staging values of the correctable fields, one row per submission and field,
    as text, so each cleaning-log row can be matched against what is there now. -#}
{% macro current_values(form, relation) -%}
    {%- set fields = correctable_fields(form) -%}
    {%- for field in fields %}
    select submission_id, '{{ field }}' as field, cast({{ field }} as varchar) as current_value
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
