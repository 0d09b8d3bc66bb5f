{#- Joins English and French labels of a kind's choice list (stg_kobo__kind_choices: the
    labels of the forms feeding the kind, latest version) onto a code column: renders a LEFT
    JOIN; select <alias>.label_en / <alias>.label_fr. -#}
{% macro join_choice_labels(kind, choice_list, code_column, alias) -%}
    left join (
        select choice_code, label_en, label_fr from {{ ref('stg_kobo__kind_choices') }}
        where kind = '{{ kind }}' and choice_list = '{{ choice_list }}'
    ) as {{ alias }} on {{ alias }}.choice_code = {{ code_column }}
{%- endmacro %}
