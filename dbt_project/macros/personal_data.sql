{#- Applies the form registry's personal-data policy (DESIGN.md §5) to one field.
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
