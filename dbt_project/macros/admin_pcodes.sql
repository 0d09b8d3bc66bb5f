{#- A p-code as the current boundary set spells it: mapped through the crosswalk the data
    officers keep (seeds/ref_admin_pcode_crosswalk.csv: old_pcode -> new_pcode), unchanged
    when the crosswalk does not name it. old_pcode is unique and no new_pcode is itself an
    old one (tests on the seed), so one lookup suffices. -#}
{% macro crosswalked_pcode(expression) -%}
    coalesce(
        (select crosswalk.new_pcode from {{ ref('ref_admin_pcode_crosswalk') }} as crosswalk
         where crosswalk.old_pcode = {{ expression }}),
        {{ expression }})
{%- endmacro %}
