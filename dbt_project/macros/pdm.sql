{#- Post-distribution monitoring: the one home of the results' formulas. me_pdm_results (by
    activity and sub-prefecture), me_pdm_results_by_disability (by activity and disability
    status, and per activity) and the indicator tracker select from them; none re-derives a
    figure. -#}

{#- A household satisfied with the assistance: it rated it 4 or 5 (1 very dissatisfied to 5
    very satisfied). -#}
{% macro pdm_satisfied(satisfaction) -%}
    ({{ satisfaction }} >= 4)
{%- endmacro %}

{#- The interviews the results count: consented, without a blocking data-quality issue. -#}
{% macro pdm_counted(relation) -%}
    (select * from {{ relation }} where has_consented and not has_blocking_issue)
{%- endmacro %}

{#- One row per value of `group_by` (columns of `relation`, cln_me_pdm_interviews or a select
    of it): households interviewed, those that received the assistance, their satisfaction,
    problems and safety concerns met, whether they know how to give feedback, and the shares
    and means of these. Satisfaction, problems and safety were asked of households that
    received the assistance, the feedback question only from version 2 of the form
    (feedback_channel_asked). -#}
{% macro pdm_results(relation, group_by) -%}
    select
        counted.*,
        round(counted.satisfied / nullif(counted.received_assistance, 0), 4) as share_satisfied,
        round(counted.with_problems / nullif(counted.received_assistance, 0), 4) as share_with_problems,
        round(counted.with_safety_concerns / nullif(counted.received_assistance, 0), 4) as share_with_safety_concerns,
        round(counted.knows_feedback_channel / nullif(counted.feedback_channel_asked, 0), 4)
            as share_knows_feedback_channel
    from (
        select
            {%- for column in group_by %}
            {{ column }},
            {%- endfor %}
            count(*) as respondents,
            count(*) filter (where respondent_sex = 'female') as female_respondents,
            count(*) filter (where received_assistance) as received_assistance,
            count(satisfaction) filter (where received_assistance) as satisfaction_respondents,
            count(*) filter (where received_assistance and {{ pdm_satisfied('satisfaction') }}) as satisfied,
            round(avg(satisfaction) filter (where received_assistance), 3) as satisfaction_mean,
            count(*) filter (where received_assistance and len(list_filter(problems, p -> p <> 'none')) > 0)
                as with_problems,
            count(*) filter (where received_assistance and has_safety_concerns) as with_safety_concerns,
            count(knows_feedback_channel) as feedback_channel_asked,
            count(*) filter (where knows_feedback_channel) as knows_feedback_channel,
            round(avg(household_size), 2) as mean_household_size
        from {{ pdm_counted(relation) }} as interviews
        group by {{ group_by | join(', ') }}
    ) as counted
{%- endmacro %}
