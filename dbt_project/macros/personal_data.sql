{#- Applies the form registry's personal-data policy (ARCHITECTURE.md, Personal data) to one field.
    Renders a select-list item followed by a comma, or nothing at all when the policy is
    'drop' or the registry does not name the field: personal data is dropped by default.
      hash         dtm_pseudonymize(value): keyed SHA-256 with DTM_HASH_SALT, registered
                   by the duckdb_functions plugin so the salt never reaches compiled SQL
      coarsen_gps  the geopoint's latitude and longitude rounded to 0.1 degree (~11 km) -#}
{% macro personal_field(dataset, kobo_path, expression, alias) -%}
    {%- set policy = var('dtm_personal_fields', {}).get(dataset, {}).get(kobo_path, 'drop') -%}
    {%- if policy == 'hash' -%}
        dtm_pseudonymize({{ expression }}) as {{ alias }}_hash,
    {%- elif policy == 'coarsen_gps' -%}
        round(try_cast(split_part({{ expression }}, ' ', 1) as double), 1) as {{ alias }}_latitude_coarse,
        round(try_cast(split_part({{ expression }}, ' ', 2) as double), 1) as {{ alias }}_longitude_coarse,
    {%- elif policy != 'drop' -%}
        {{ exceptions.raise_compiler_error("unknown personal-data policy '" ~ policy ~ "' for " ~ dataset ~ "." ~ kobo_path) }}
    {%- endif -%}
{%- endmacro %}


{#- The registry's policy for one personal field ('drop' when it names none), so that models
    below staging use a pseudonym column only when staging produced it. -#}
{% macro personal_policy(dataset, kobo_path) -%}
    {{ return(var('dtm_personal_fields', {}).get(dataset, {}).get(kobo_path, 'drop')) }}
{%- endmacro %}


{#- The pseudonym columns that identify a beneficiary of the activity lists (national ID
    first), as far as the registry has staging produce them. -#}
{% macro beneficiary_identifiers() -%}
    {%- set columns = [] -%}
    {%- if personal_policy('me_activity', 'beneficiaries/ben_national_id') == 'hash' -%}
        {%- do columns.append('beneficiary_national_id_hash') -%}
    {%- endif -%}
    {%- if personal_policy('me_activity', 'beneficiaries/ben_phone') == 'hash' -%}
        {%- do columns.append('beneficiary_phone_hash') -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}
