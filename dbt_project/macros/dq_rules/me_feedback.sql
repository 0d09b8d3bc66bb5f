{#- The complaints and feedback cases' data-quality rules (form me_feedback), on the case
    as it stands now (staging: a case is corrected by editing it in Kobo, not through the
    cleaning log): a select of (form, submission_id, rule, value), the model
    dq_me_feedback_findings, which dq_issues lists. `value` says what tripped a rule in
    dates and codes of the case itself, never its category, what the person said, or
    another case. -#}
{% macro dq_rules_me_feedback() -%}
select form, submission_id, rule, value
from (
    with cases as (
        select * from {{ ref('stg_kobo__me_feedback') }}
    ),

    numbered as (
        select submission_id,
               row_number() over (partition by case_id order by submission_id) as position_of_case_number
        from cases
        where case_id is not null
    )

    select 'me_feedback' as form, submission_id, rule, value
    from (
        -- a case number received before in another submission: the case sent twice, or a
        -- follow-up recorded as a new form instead of an edit; the first one received counts
        select submission_id, 'duplicate_case_number' as rule,
               'case number received before in another submission' as value
        from numbered
        where position_of_case_number > 1

        union all
        {{ dq_rule_date_in_future('cases', 'date_received') }}

        union all
        select submission_id, 'closed_before_received',
               'closed ' || date_closed || ', received ' || date_received
        from cases
        where date_closed < date_received

        union all
        select submission_id, 'closed_without_date', 'status closed, no date closed'
        from cases
        where status = 'closed' and date_closed is null

        union all
        select submission_id, 'closed_without_response', 'status closed, no response recorded'
        from cases
        where status = 'closed' and response is null

        union all
        select submission_id, 'referred_without_target', 'referred, no service named'
        from cases
        where is_referred and referred_to is null
    )
)
{%- endmacro %}
