{#- Applies the form registry's personal-data policy (ARCHITECTURE.md, Personal data) to one field.
    Renders a select-list item followed by a comma, or nothing at all when the policy is
    'drop' or the registry does not name the field: personal data is dropped by default.
      hash         dtm_pseudonymize(value): keyed SHA-256 with DTM_HASH_SALT, registered
                   by the duckdb_functions plugin so the salt never reaches compiled SQL
      coarsen_gps  the geopoint's latitude and longitude rounded to 0.1 degree (~11 km) -#}
{% macro personal_field(kind, path, expression, alias, form=none) -%}
    {#- The columns are the kind's (every form feeding the kind's model gets the same ones, so
        their rows union); the values follow this form's own policy, NULL where it drops. -#}
    {%- set policies = personal_policies(kind, path) -%}
    {%- set own = personal_policy_of_form(form, path) -%}
    {%- for policy in policies if policy not in ('drop', 'hash', 'coarsen_gps') -%}
        {{ exceptions.raise_compiler_error("unknown personal-data policy '" ~ policy ~ "' for " ~ kind ~ "." ~ path) }}
    {%- endfor -%}
    {%- if 'hash' in policies -%}
        {% if own == 'hash' %}dtm_pseudonymize({{ expression }}){% else %}null::varchar{% endif %} as {{ alias }}_hash,
    {%- endif -%}
    {%- if 'coarsen_gps' in policies -%}
        {%- if own == 'coarsen_gps' %}
        round(try_cast(split_part({{ expression }}, ' ', 1) as double), 1) as {{ alias }}_latitude_coarse,
        round(try_cast(split_part({{ expression }}, ' ', 2) as double), 1) as {{ alias }}_longitude_coarse,
        {%- else %}
        null::double as {{ alias }}_latitude_coarse, null::double as {{ alias }}_longitude_coarse,
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- One form's policy for the reference form's ``path`` (where the form keeps it). -#}
{% macro personal_policy_of_form(form, path) -%}
    {{ return(var('dtm_personal_fields', {}).get(form, {}).get(kobo_path(path, form), 'drop') if form else 'drop') }}
{%- endmacro %}


{#- The policies the forms of a kind give the reference form's ``path``. -#}
{% macro personal_policies(kind, path) -%}
    {%- set policies = [] -%}
    {%- for form in kobo_forms_of_kind(kind) -%}
        {%- do policies.append(personal_policy_of_form(form, path)) -%}
    {%- endfor -%}
    {{ return(policies) }}
{%- endmacro %}


{#- The kind's policy for one personal field ('drop' unless a form feeding it keeps a
    pseudonym or coarse position), so that models below staging use a pseudonym column
    only when staging produced it. -#}
{% macro personal_policy(kind, path) -%}
    {%- set policies = personal_policies(kind, path) -%}
    {{ return('hash' if 'hash' in policies else ('coarsen_gps' if 'coarsen_gps' in policies else 'drop')) }}
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
