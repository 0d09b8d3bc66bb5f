-- Complaints and feedback cases by the month they were received, type and channel: how
-- many came in, how many are closed and still open, how many were closed after their
-- deadline (ref_feedback_deadlines) and how many are open past it on as_of_date (overdue),
-- and the median days to resolution of those closed. Every case without a blocking issue,
-- sensitive ones included: they are counted, never listed (the case register,
-- cleaned.cln_me_feedback_cases, stays in the warehouse). Published with small counts
-- withheld, closed and still_open adding up to cases (serving/disclosure.py).
with cases as (
    select * from {{ ref('cln_me_feedback_cases') }}
    where not has_blocking_issue
),

counted as (
    select
        cast(date_trunc('month', date_received) as date) as received_month,
        case_type,
        channel,
        any_value(as_of_date) as as_of_date,
        count(*) as cases,
        count(*) filter (where is_closed) as closed,
        count(*) filter (where not is_closed) as still_open,
        count(*) filter (where is_closed_after_deadline) as closed_after_deadline,
        count(*) filter (where is_overdue) as overdue,
        median(days_to_resolution) filter (where is_closed) as closed_median_days
    from cases
    group by all
)

select
    counted.received_month,
    counted.case_type,
    case_type.label_en as case_type_label_en,
    case_type.label_fr as case_type_label_fr,
    counted.channel,
    channel.label_en as channel_label_en,
    channel.label_fr as channel_label_fr,
    counted.as_of_date,
    counted.cases,
    counted.closed,
    counted.still_open,
    counted.closed_after_deadline,
    counted.overdue,
    cast(counted.closed_median_days as double) as closed_median_days
from counted
{{ join_choice_labels('me_feedback', 'case_type', 'counted.case_type', 'case_type') }}
{{ join_choice_labels('me_feedback', 'channel', 'counted.channel', 'channel') }}
