{#- The day the figures are as of: the build's date, unless var as_of_date names one (a
    report rebuilt for a past date, a test that must not depend on the clock). -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%} date '{{ var("as_of_date") }}' {%- else -%} current_date {%- endif -%}
{%- endmacro %}
