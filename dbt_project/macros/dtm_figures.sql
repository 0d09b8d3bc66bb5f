{#- The additive figures dtm_idp_returnees_by_admin2 publishes per sub-prefecture: the
    prefecture and country marts add up exactly these, so a figure added here reaches every
    level at once. Shares and changes are not additive: each mart computes its own. -#}
{% macro dtm_published_measures() -%}
    {{ return(['localities_assessed', 'sites_assessed',
               'idp_households', 'idp_individuals',
               'idp_households_in_sites', 'idp_individuals_in_sites',
               'idp_households_in_host_families', 'idp_individuals_in_host_families',
               'returnee_internal_households', 'returnee_internal_individuals',
               'returnee_abroad_households', 'returnee_abroad_individuals',
               'returnee_households', 'returnee_individuals']) }}
{%- endmacro %}
