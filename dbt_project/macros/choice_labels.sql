{#- Joins English and French labels of a choice list (latest form version) onto a code
    column: renders a LEFT JOIN; select <alias>.label_en / <alias>.label_fr. -#}
{% macro join_choice_labels(dataset, choice_list, code_column, alias) -%}
    left join (
        select choice_code, label_en, label_fr from {{ ref('stg_kobo__form_choices') }}
        where dataset = '{{ dataset }}' and choice_list = '{{ choice_list }}' and is_latest_version
    ) as {{ alias }} on {{ alias }}.choice_code = {{ code_column }}
{%- endmacro %}
