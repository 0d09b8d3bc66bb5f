{#- Layers are schemas of their own (raw, staging, cleaned, marts, reference), not
    suffixes of the target schema, so analysts see the schema names the README uses. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
