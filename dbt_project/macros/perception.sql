{#- The perception survey's Likert items: Kobo path, column name, and the index (domain) each
    core item belongs to. An item with domain none is reported on its own and is not part of
    an index (ta_security_forces, added in version 2). Items and domains are the programme's
    results framework's definition: change them here, with the M&E officer. -#}
{% macro perception_items() -%}
    {{ return([
        {'name': 'sc_trust_other_groups', 'path': 'grp_cohesion/sc_trust_other_groups', 'domain': 'social_cohesion'},
        {'name': 'sc_accept_neighbour', 'path': 'grp_cohesion/sc_accept_neighbour', 'domain': 'social_cohesion'},
        {'name': 'sc_joint_activities', 'path': 'grp_cohesion/sc_joint_activities', 'domain': 'social_cohesion'},
        {'name': 'sc_disputes_peaceful', 'path': 'grp_cohesion/sc_disputes_peaceful', 'domain': 'social_cohesion'},
        {'name': 'ta_trust_local', 'path': 'grp_trust/ta_trust_local', 'domain': 'trust_local_authorities'},
        {'name': 'ta_responsive', 'path': 'grp_trust/ta_responsive', 'domain': 'trust_local_authorities'},
        {'name': 'ta_fair', 'path': 'grp_trust/ta_fair', 'domain': 'trust_local_authorities'},
        {'name': 'ta_security_forces', 'path': 'grp_trust/ta_security_forces', 'domain': none},
    ]) }}
{%- endmacro %}

{#- English and French names of the indices. -#}
{% macro perception_domains() -%}
    {{ return({
        'social_cohesion': ('Social cohesion', 'Cohésion sociale'),
        'trust_local_authorities': ('Trust in local authorities', 'Confiance envers les autorités locales'),
    }) }}
{%- endmacro %}

{#- The answers of the perception survey as one row per interview and item: answer_code as
    Kobo stores it, score 1-5 (null for "don't know" and for an item not asked). -#}
{% macro perception_answers(relation) -%}
    {%- for item in perception_items() %}
    select submission_id, '{{ item.name }}' as item,
           {{ "'" ~ item.domain ~ "'" if item.domain else 'null' }} as domain,
           {{ item.name }} as answer_code,
           try_cast({{ item.name }} as integer) as score
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- English and French names of an index (domain column), as a case expression. -#}
{% macro perception_domain_label(column, language) -%}
    {%- set index = 0 if language == 'en' else 1 %}
    case {{ column }}{% for domain, labels in perception_domains().items() %} when '{{ domain }}' then '{{ labels[index] | replace("'", "''") }}'{% endfor %} end
{%- endmacro %}

{#- The interviews the perception figures count: consented, without a blocking data-quality
    issue. -#}
{% macro perception_counted(relation) -%}
    (select * from {{ relation }} where has_consented and not has_blocking_issue)
{%- endmacro %}

{#- Each counted respondent's mean score on each index's items, one row per interview and
    index: "don't know" is not a score and is left out of the mean (null for a respondent who
    answered "don't know" to every item asked), with the items answered "don't know";
    `columns` of `relation` (cln_me_perception_interviews or a select of it) come along. -#}
{% macro perception_respondent_means(relation, columns=[]) -%}
    select
        {%- for column in columns %}
        counted.{{ column }},
        {%- endfor %}
        answers.domain,
        answers.submission_id,
        avg(answers.score) as respondent_mean,
        count(*) filter (where answers.answer_code = 'dk') as items_dont_know
    from ({{ perception_answers(relation) }}) as answers
    join {{ perception_counted(relation) }} as counted on counted.submission_id = answers.submission_id
    where answers.domain is not null and answers.answer_code is not null
    group by all
{%- endmacro %}

{#- The perception indices per value of `group_by` (columns of `relation`) and index: the
    mean over respondents of the respondent's own mean score (1 strongly disagree to 5
    strongly agree), the respondents agreeing on average (a mean above 3), and those who
    scored none of the index's items (left out of respondents). The one home of these
    formulas: me_perception_scores and me_perception_scores_by_disability select from it. -#}
{% macro perception_index_scores(relation, group_by) -%}
    select
        {%- for column in group_by %}
        {{ column }},
        {%- endfor %}
        domain,
        {{ perception_domain_label('domain', 'en') }} as domain_label_en,
        {{ perception_domain_label('domain', 'fr') }} as domain_label_fr,
        count(respondent_mean) as respondents,
        round(avg(respondent_mean), 4) as mean_score,
        count(*) filter (where respondent_mean > 3) as respondents_positive,
        round(count(*) filter (where respondent_mean > 3) / nullif(count(respondent_mean), 0), 4) as share_positive,
        count(*) filter (where respondent_mean is null) as respondents_dont_know_only,
        sum(items_dont_know) as answers_dont_know
    from ({{ perception_respondent_means(relation, group_by) }}) as respondent_means
    group by all
{%- endmacro %}
