{#- The perception survey's data-quality rules (form me_perception), on the data as the
    cleaning log corrected it: a select of (form, submission_id, rule, field, value) for
    dq_issues, field null where the issue is the rule's field in ref_dq_rules. Its
    soft_duplicate rule is dq_soft_duplicate_findings' (a rule for any form with its row). -#}
{% macro dq_rules_me_perception() -%}
select 'me_perception' as form, submission_id, rule, null as field, value
from (
    with perception as (
        select *, {{ dq_answers_fingerprint(dq_metadata_columns(), 'has_consented') }} as answers
        from {{ ref('cln_me_perception_corrected') }}
    ),

    perception_answers as (
        {{ perception_answers('perception') }}
    ),

    dont_know as (
        select submission_id,
               count(*) filter (where answer_code = 'dk') as dont_know,
               count(*) filter (where answer_code is not null) as asked
        from perception_answers
        group by submission_id
    )

    {{ dq_rule_duplicate_submission('perception') }}

    union all
    {{ dq_pcode_rules('perception') }}

    union all
    {{ dq_rule_date_in_future('perception', 'interview_date') }}

    union all
    {{ dq_rule_interview_outside_round('perception', 'me_perception', date_column='interview_date') }}

    union all
    {{ dq_rule_interview_too_short('perception', 'me_perception') }}

    union all
    {{ dq_rule_interview_too_long('perception', 'me_perception') }}

    union all
    select dont_know.submission_id, 'dont_know_rate',
           dont_know.dont_know || ' of ' || dont_know.asked || ' items'
    from dont_know
    join rules on rules.form = 'me_perception' and rules.rule = 'dont_know_rate'
    where dont_know.asked > 0 and dont_know.dont_know / dont_know.asked > rules.max_value
)
{%- endmacro %}
