{#- Disability status: the one home of the rule the M&E marts disaggregate by.

    The Washington Group short set (WG-SS) asks six domains (seeing, hearing, walking,
    cognition, self-care, communication), each answered no difficulty, some difficulty, a lot
    of difficulty or cannot do at all. Several cut-offs exist (the WG describes at least
    "some difficulty" in two domains, "a lot of difficulty" in one, "cannot do at all" in
    one); the platform uses the one the WG recommends for international comparison:
    a person has a disability when at least one domain is "a lot of difficulty" or
    "cannot do at all". With no domain at the cut-off, the status is "no" only when all six
    were answered; otherwise it is not known from the WG answers.

    Where a person gave no WG answers (an older form version, a question skipped) their own
    answer to the form's disability question stands, and the source says which one counted. -#}

{% macro wg_domains() -%}
    {{ return(['seeing', 'hearing', 'walking', 'cognition', 'selfcare', 'communication']) }}
{%- endmacro %}

{#- The WG-SS answer codes at the cut-off (the reference forms' wg_difficulty list). -#}
{% macro wg_cutoff_codes() -%}
    {{ return(['a_lot_of_difficulty', 'cannot_do']) }}
{%- endmacro %}

{#- 'yes' | 'no' | null from the columns wg_<domain> (prefixed by `prefix`, such as 'source.'). -#}
{% macro wg_disability(prefix='') -%}
    case
        when {% for d in wg_domains() %}{{ prefix }}wg_{{ d }} in ('{{ wg_cutoff_codes() | join("', '") }}'){% if not loop.last %} or {% endif %}{% endfor %}
            then 'yes'
        when {% for d in wg_domains() %}{{ prefix }}wg_{{ d }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
            then 'no'
    end
{%- endmacro %}

{#- The status that counts: the WG answers' (an expression from wg_disability), else the
    self-reported yes/no (a boolean expression, or null where the form has no such question). -#}
{% macro disability_status(wg_status, self_reported='null') -%}
    coalesce({{ wg_status }}, case when {{ self_reported }} then 'yes' when not {{ self_reported }} then 'no' end)
{%- endmacro %}

{% macro disability_source(wg_status, self_reported='null') -%}
    case when {{ wg_status }} is not null then 'washington_group'
         when {{ self_reported }} is not null then 'self_reported'
         else 'not_asked' end
{%- endmacro %}

{#- English and French labels of the disability status and of its source. -#}
{% macro disability_labels() -%}
    {{ return({
        'yes': ('Person with a disability', 'Personne en situation de handicap'),
        'no': ('Person without a disability', 'Personne sans handicap'),
        'not_known': ('Not known (not asked)', 'Non connu (question non posée)'),
        'washington_group': ('Washington Group short set (at least one domain: a lot of difficulty or cannot do at all)',
                             'Questions courtes du Washington Group (au moins un domaine : beaucoup de difficultés ou ne peut pas du tout)'),
        'self_reported': ("Self-reported (the form's disability question)", 'Déclaré par la personne (question du formulaire sur le handicap)'),
        'not_asked': ('Not asked', 'Non posée'),
    }) }}
{%- endmacro %}

{% macro disability_label(column, language) -%}
    {%- set index = 0 if language == 'en' else 1 %}
    case {{ column }}{% for code, labels in disability_labels().items() %} when '{{ code }}' then '{{ labels[index] | replace("'", "''") }}'{% endfor %} end
{%- endmacro %}
