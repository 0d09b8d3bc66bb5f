-- Flow monitoring interviews, corrected by the cleaning log, with the flow monitoring
-- point's place, the respondent's DTM age group and data-quality flags. Every staged
-- interview is here, refusals included (has_consented false): the marts count consented
-- interviews without a blocking issue.
with interviews as (
    select * from {{ ref('cln_dtm_flow_survey_corrected') }}
),

flags as (
    {{ dq_flags('dtm_flow_survey') }}
),

flow_points as (
    select fmp_id, admin1_pcode, admin2_pcode, border_country from {{ ref('ref_flow_monitoring_points') }}
)

select
    interviews.*,
    flow_points.admin1_pcode as fmp_admin1_pcode,
    flow_points.admin2_pcode as fmp_admin2_pcode,
    flow_points.border_country as fmp_border_country,
    {{ age_group('interviews.respondent_age') }} as respondent_age_group,
    coalesce(flags.has_blocking_issue, false) as has_blocking_issue,
    coalesce(flags.dq_rules_failed, []) as dq_rules_failed
from interviews
left join flags on flags.submission_id = interviews.submission_id
left join flow_points on flow_points.fmp_id = interviews.fmp_id
