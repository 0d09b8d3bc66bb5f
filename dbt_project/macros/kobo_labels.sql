{#- The label in one language from a KPI label list. The list lines up with the form's
    `translations` (e.g. ["English (en)", "Français (fr)"]); the language is found by its
    code in brackets, so the order of translations does not matter. -#}
{% macro kobo_label(label_list, translations, language_code) -%}
    ({{ label_list }} ->> (
        coalesce(list_position(
            list_transform(cast({{ translations }} as varchar[]), t -> t like '%({{ language_code }})'),
            true), 1) - 1
    ))
{%- endmacro %}
