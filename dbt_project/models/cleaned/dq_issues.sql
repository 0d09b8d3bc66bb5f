-- Every data-quality finding of every form, one row per submission, rule and field (a rule
-- on the answers inside a repeat finds each entry: field is the answer's address,
-- `travel_group[2]/member_age`), on the data as the cleaning log corrected it. Rules, severities and thresholds come from the ref_dq_rules
-- seed (one row per form and rule). `value` shows what tripped the rule and never carries a
-- personal field. The flow monitoring registry's rules run in its incremental cleaned model
-- (cln_dtm_flow_counts, which keeps each submission's findings): listed here, not recomputed.
{% set box = var('car_bounding_box') %}
with assessments as (
    select * from {{ ref('cln_dtm_locality_corrected') }}
),

rounds as (
    select * from {{ ref('ref_dtm_rounds') }} where form = 'dtm_locality'
),

-- log(1 + individuals) per prefecture and round, with its median and MAD, for the robust
-- outlier rule: DTM counts are skewed, so a z-score on the raw scale would flag every
-- large site and miss a typo in a small one.
idp_log as (
    select submission_id, round, admin1_pcode, idp_individuals, ln(1 + idp_individuals) as log_idp
    from assessments
    where idp_individuals > 0
),

idp_spread as (
    select round, admin1_pcode, median(log_idp) as median_log
    from idp_log group by round, admin1_pcode
),

idp_mad as (
    select idp_log.round, idp_log.admin1_pcode, idp_spread.median_log,
           median(abs(idp_log.log_idp - idp_spread.median_log)) as mad_log
    from idp_log join idp_spread using (round, admin1_pcode)
    group by idp_log.round, idp_log.admin1_pcode, idp_spread.median_log
),

admin2_centres as (
    select round, admin2_pcode, median(gps_latitude) as centre_latitude, median(gps_longitude) as centre_longitude
    from assessments
    where gps_latitude between {{ box.min_latitude }} and {{ box.max_latitude }}
      and gps_longitude between {{ box.min_longitude }} and {{ box.max_longitude }}
    group by round, admin2_pcode
),

enumerator_days as (
    select enumerator_id, cast(interview_started_at as date) as interview_day, count(*) as interviews
    from assessments
    where interview_started_at is not null
    group by enumerator_id, interview_day
),

rules as (
    select * from {{ ref('ref_dq_rules') }}
),

locality_rules as (
    select * from rules where form = 'dtm_locality'
),

admin2 as (
    select pcode, parent_pcode from {{ ref('ref_admin_pcodes') }} where admin_level = 2
),

ranked as (
    select
        submission_id,
        locality_name,
        first_value(submission_id) over same_place as first_submission_id
    from assessments
    window same_place as (
        partition by round, admin2_pcode, lower(locality_name) order by submission_id
    )
),

locality_findings as (
    select submission_id, 'duplicate_submission' as rule,
           'same locality as submission ' || first_submission_id as value
    from ranked
    where submission_id <> first_submission_id

    union all
    select submission_id, 'unknown_admin2_pcode', admin2_pcode
    from assessments
    where admin2_pcode not in (select pcode from admin2)

    union all
    select assessments.submission_id, 'admin2_outside_admin1',
           assessments.admin2_pcode || ' is not in ' || assessments.admin1_pcode
    from assessments
    join admin2 on admin2.pcode = assessments.admin2_pcode
    where admin2.parent_pcode <> assessments.admin1_pcode

    union all
    select submission_id, 'idp_household_size',
           idp_individuals || ' individuals in ' || idp_households || ' households'
    from assessments, locality_rules
    where locality_rules.rule = 'idp_household_size'
      and idp_individuals > 0
      and (idp_households = 0
           or idp_individuals / idp_households not between locality_rules.min_value and locality_rules.max_value)

    union all
    select submission_id, 'returnee_household_size',
           returnee_internal_individuals || ' individuals in ' || returnee_internal_households || ' households'
    from assessments, locality_rules
    where locality_rules.rule = 'returnee_household_size'
      and returnee_internal_individuals > 0
      and (returnee_internal_households = 0
           or returnee_internal_individuals / returnee_internal_households
              not between locality_rules.min_value and locality_rules.max_value)

    union all
    select submission_id, 'idp_breakdown_mismatch',
           'breakdown ' || (idp_m_0_5 + idp_f_0_5 + idp_m_6_17 + idp_f_6_17
                            + idp_m_18_59 + idp_f_18_59 + idp_m_60 + idp_f_60)
           || ' vs total ' || idp_individuals
    from assessments
    where has_idps
      and idp_m_0_5 + idp_f_0_5 + idp_m_6_17 + idp_f_6_17
          + idp_m_18_59 + idp_f_18_59 + idp_m_60 + idp_f_60 <> idp_individuals

    union all
    select submission_id, 'gps_outside_car', gps_latitude || ' ' || gps_longitude
    from assessments
    where gps_latitude not between {{ box.min_latitude }} and {{ box.max_latitude }}
       or gps_longitude not between {{ box.min_longitude }} and {{ box.max_longitude }}

    union all
    select idp_log.submission_id, 'idp_individuals_outlier',
           idp_log.idp_individuals || ' individuals, robust z '
           || round(abs(idp_log.log_idp - idp_mad.median_log) / (1.4826 * idp_mad.mad_log), 1)
    from idp_log
    join idp_mad using (round, admin1_pcode)
    join locality_rules on locality_rules.rule = 'idp_individuals_outlier'
    where idp_mad.mad_log > 0
      and abs(idp_log.log_idp - idp_mad.median_log) / (1.4826 * idp_mad.mad_log) > locality_rules.max_value

    union all
    select assessments.submission_id, 'gps_far_from_admin2',
           round({{ distance_km('assessments.gps_latitude', 'assessments.gps_longitude',
                                'admin2_centres.centre_latitude', 'admin2_centres.centre_longitude') }})
           || ' km from the sub-prefecture''s other localities'
    from assessments
    join admin2_centres using (round, admin2_pcode)
    join locality_rules on locality_rules.rule = 'gps_far_from_admin2'
    where {{ distance_km('assessments.gps_latitude', 'assessments.gps_longitude',
                         'admin2_centres.centre_latitude', 'admin2_centres.centre_longitude') }} > locality_rules.max_value

    union all
    select assessments.submission_id, 'interview_outside_round',
           'started ' || cast(assessments.interview_started_at as date)
           || coalesce(', round ' || rounds.collection_start || ' to ' || rounds.collection_end, ', round not in ref_dtm_rounds')
    from assessments
    left join rounds on rounds.round = assessments.round
    where assessments.interview_started_at > current_timestamp
       or rounds.round is null
       or cast(assessments.interview_started_at as date) not between rounds.collection_start and rounds.collection_end

    union all
    select submission_id, 'interview_duration',
           round(epoch(interview_ended_at - interview_started_at) / 60) || ' minutes'
    from assessments, locality_rules
    where locality_rules.rule = 'interview_duration'
      and epoch(interview_ended_at - interview_started_at) / 60 not between locality_rules.min_value and locality_rules.max_value

    union all
    select assessments.submission_id, 'enumerator_productivity',
           enumerator_days.interviews || ' interviews on ' || enumerator_days.interview_day
    from assessments
    join enumerator_days
        on enumerator_days.enumerator_id = assessments.enumerator_id
        and enumerator_days.interview_day = cast(assessments.interview_started_at as date)
    join locality_rules on locality_rules.rule = 'enumerator_productivity'
    where enumerator_days.interviews > locality_rules.max_value
),

-- IDP site assessments -----------------------------------------------------------------
sites as (
    select *, {{ dq_answers_fingerprint(dq_metadata_columns()) }} as answers
    from {{ ref('cln_dtm_site_corrected') }}
),

site_rounds as (
    select * from {{ ref('ref_dtm_rounds') }} where form = 'dtm_site'
),

site_findings as (
    {{ dq_exact_duplicates('sites') }}

    union all
    {{ dq_near_duplicates('sites', ['round', 'site_id'], 'site and round') }}

    union all
    {{ dq_pcodes('sites') }}

    union all
    select sites.submission_id, 'household_size',
           sites.individuals || ' individuals in ' || sites.households || ' households'
    from sites
    join rules on rules.form = 'dtm_site' and rules.rule = 'household_size'
    where sites.individuals > 0
      and (sites.households = 0 or sites.individuals / sites.households not between rules.min_value and rules.max_value)

    union all
    select submission_id, 'breakdown_mismatch', 'breakdown ' || {{ sex_age_sum() }} || ' vs total ' || individuals
    from sites
    where {{ sex_age_sum() }} <> individuals

    union all
    select submission_id, 'gps_outside_car', gps_latitude || ' ' || gps_longitude
    from sites
    where gps_latitude not between {{ box.min_latitude }} and {{ box.max_latitude }}
       or gps_longitude not between {{ box.min_longitude }} and {{ box.max_longitude }}

    union all
    select sites.submission_id, 'interview_outside_round',
           'started ' || cast(sites.interview_started_at as date)
           || coalesce(', round ' || site_rounds.collection_start || ' to ' || site_rounds.collection_end,
                       ', round not in ref_dtm_rounds')
    from sites
    left join site_rounds on site_rounds.round = sites.round
    where sites.interview_started_at > current_timestamp
       or site_rounds.round is null
       or cast(sites.interview_started_at as date) not between site_rounds.collection_start and site_rounds.collection_end

    union all
    select sites.submission_id, 'interview_duration',
           round(epoch(sites.interview_ended_at - sites.interview_started_at) / 60) || ' minutes'
    from sites
    join rules on rules.form = 'dtm_site' and rules.rule = 'interview_duration'
    where epoch(sites.interview_ended_at - sites.interview_started_at) / 60 not between rules.min_value and rules.max_value
),

-- Flow monitoring survey --------------------------------------------------------------
flow_points as (
    select * from {{ ref('ref_flow_monitoring_points') }}
),

surveys as (
    select *, {{ dq_answers_fingerprint(dq_metadata_columns(), 'has_consented') }} as answers
    from {{ ref('cln_dtm_flow_survey_corrected') }}
),

survey_findings as (
    {{ dq_exact_duplicates('surveys') }}

    {%- if personal_policy('dtm_flow_survey', 'grp_respondent/resp_phone') == 'hash' %}
    union all
    {{ dq_near_duplicates('surveys', ['respondent_phone_hash', 'fmp_id', 'survey_date'], 'respondent, point and day') }}
    {%- endif %}

    union all
    select submission_id, 'unknown_flow_monitoring_point', fmp_id
    from surveys
    where fmp_id not in (select fmp_id from flow_points)

    union all
    select submission_id, 'unknown_admin2_pcode',
           concat_ws(', ', 'departure ' || origin_admin2_pcode, 'destination ' || destination_admin2_pcode)
    from surveys
    where origin_admin2_pcode not in (select pcode from admin2)
       or destination_admin2_pcode not in (select pcode from admin2)

    union all
    {{ dq_date_in_future('surveys', 'survey_date') }}

    union all
    select surveys.submission_id, 'date_before_collection',
           surveys.survey_date || ', point counting since ' || flow_points.counting_since
    from surveys
    join flow_points using (fmp_id)
    where surveys.survey_date < flow_points.counting_since

    union all
    {{ dq_interview_duration('surveys', 'dtm_flow_survey') }}

    union all
    select surveys.submission_id, 'implausible_age', surveys.respondent_age || ' years'
    from surveys
    join rules on rules.form = 'dtm_flow_survey' and rules.rule = 'implausible_age'
    where surveys.has_consented
      and surveys.respondent_age not between rules.min_value and rules.max_value

    union all
    select submission_id, 'group_size_mismatch',
           group_size || ' declared, ' || group_members_listed || ' listed'
    from surveys
    where has_consented and coalesce(group_size, 0) <> group_members_listed
),

-- M&E activity sessions ---------------------------------------------------------------
workplan_starts as (
    select activity_code, admin2_pcode, planned_start from {{ ref('ref_workplan') }}
),
{%- set identifiers = beneficiary_identifiers() %}

attendance as (
    select
        submission_id,
        {%- if identifiers %}
        count(*) filter (where coalesce({{ identifiers | join(', ') }}) is null) as without_identifier,
        {%- endif %}
        list((beneficiary_sex, beneficiary_age, displacement_status, has_disability)
             order by beneficiary_position) as attendance
    from {{ ref('cln_me_activity__beneficiaries_corrected') }}
    group by submission_id
),

sessions_with_attendance as (
    select sessions.*, attendance.attendance
    from {{ ref('cln_me_activity_corrected') }} as sessions
    left join attendance using (submission_id)
),

sessions as (
    select *, {{ dq_answers_fingerprint(dq_metadata_columns()) }} as answers
    from sessions_with_attendance
),

session_findings as (
    {{ dq_exact_duplicates('sessions') }}

    union all
    {{ dq_near_duplicates('sessions', ['activity_code', 'activity_date', 'admin2_pcode', 'venue'],
                          'activity, day, sub-prefecture and venue') }}

    union all
    {{ dq_pcodes('sessions') }}

    union all
    select submission_id, 'unknown_activity', activity_code
    from sessions
    where activity_code not in (select activity_code from workplan_starts)

    union all
    {{ dq_date_in_future('sessions', 'activity_date') }}

    union all
    select sessions.submission_id, 'date_before_collection',
           sessions.activity_date || ', planned from ' || min(workplan_starts.planned_start)
    from sessions
    join workplan_starts using (activity_code)
    group by sessions.submission_id, sessions.activity_date
    having sessions.activity_date < min(workplan_starts.planned_start)

    {%- if identifiers %}
    union all
    select submission_id, 'beneficiary_without_identifier', without_identifier || ' beneficiaries'
    from attendance
    where without_identifier > 0
    {%- endif %}

),

-- Post-distribution monitoring --------------------------------------------------------
pdm as (
    select *, {{ dq_answers_fingerprint(dq_metadata_columns(), 'has_consented') }} as answers
    from {{ ref('cln_me_pdm_corrected') }}
),

pdm_findings as (
    {{ dq_exact_duplicates('pdm') }}

    {%- if personal_policy('me_pdm', 'grp_respondent/resp_phone') == 'hash' %}
    union all
    {{ dq_near_duplicates('pdm', ['respondent_phone_hash', 'activity_code'], 'respondent and activity') }}
    {%- endif %}

    union all
    {{ dq_pcodes('pdm') }}

    union all
    select submission_id, 'unknown_activity', activity_code
    from pdm
    where activity_code not in (select activity_code from workplan_starts)

    union all
    {{ dq_date_in_future('pdm', 'interview_date') }}

    union all
    select pdm.submission_id, 'date_before_collection',
           pdm.interview_date || ', activity planned from ' || min(workplan_starts.planned_start)
    from pdm
    join workplan_starts using (activity_code)
    group by pdm.submission_id, pdm.interview_date
    having pdm.interview_date < min(workplan_starts.planned_start)

    union all
    {{ dq_interview_duration('pdm', 'me_pdm') }}

    union all
    select pdm.submission_id, 'household_size', pdm.household_size || ' people'
    from pdm
    join rules on rules.form = 'me_pdm' and rules.rule = 'household_size'
    where pdm.has_consented and pdm.household_size not between rules.min_value and rules.max_value
),

-- Partners' monthly reports -----------------------------------------------------------
partner_reports as (
    select *, {{ dq_answers_fingerprint(dq_metadata_columns()) }} as answers
    from {{ ref('cln_me_partner_report_corrected') }}
),

-- the reports expected: each partner's activities and sub-prefectures, each month of the
-- activity's planned period in the workplan
partner_months as (
    select assignments.partner_code, assignments.activity_code, assignments.admin2_pcode,
           date_trunc('month', workplan.planned_start) as first_month,
           date_trunc('month', workplan.planned_end) as last_month
    from {{ ref('ref_partner_activities') }} as assignments
    join {{ ref('ref_workplan') }} as workplan using (activity_code, admin2_pcode)
),

partner_report_findings as (
    {{ dq_exact_duplicates('partner_reports') }}

    union all
    {{ dq_near_duplicates('partner_reports', ['partner_code', 'reporting_month', 'activity_code', 'admin2_pcode'],
                          'partner, month, activity and sub-prefecture') }}

    union all
    {{ dq_pcodes('partner_reports') }}

    union all
    select submission_id, 'unknown_partner', partner_code
    from partner_reports
    where partner_code not in (select partner_code from {{ ref('ref_partners') }})

    union all
    select submission_id, 'unknown_activity', activity_code
    from partner_reports
    where activity_code not in (select activity_code from workplan_starts)

    union all
    {{ dq_date_in_future('partner_reports', 'submission_date') }}

    union all
    select reports.submission_id, 'report_not_expected',
           reports.partner_code || ', ' || reports.activity_code || ' in ' || reports.admin2_pcode || ', '
           || strftime(reports.reporting_month, '%Y-%m')
    from partner_reports as reports
    where reports.partner_code in (select partner_code from {{ ref('ref_partners') }})
      and not exists (
        select 1 from partner_months
        where partner_months.partner_code = reports.partner_code
          and partner_months.activity_code = reports.activity_code
          and partner_months.admin2_pcode = reports.admin2_pcode
          and reports.reporting_month between partner_months.first_month and partner_months.last_month)

    union all
    select submission_id, 'breakdown_mismatch',
           'sex and age ' || {{ sex_age_sum('reached_') }} || ', with a disability '
           || (reached_disability_m + reached_disability_f) || ', people reached ' || people_reached
    from partner_reports
    where {{ sex_age_sum('reached_') }} <> people_reached
       or reached_disability_m > {{ sex_age_sum('reached_', 'm') }}
       or reached_disability_f > {{ sex_age_sum('reached_', 'f') }}
),

-- Perception survey -------------------------------------------------------------------
perception as (
    select *, {{ dq_answers_fingerprint(dq_metadata_columns(), 'has_consented') }} as answers
    from {{ ref('cln_me_perception_corrected') }}
),

perception_rounds as (
    select * from {{ ref('ref_dtm_rounds') }} where form = 'me_perception'
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
),

perception_findings as (
    {{ dq_exact_duplicates('perception') }}

    union all
    {{ dq_pcodes('perception') }}

    union all
    {{ dq_date_in_future('perception', 'interview_date') }}

    union all
    select perception.submission_id, 'interview_outside_round',
           perception.interview_date
           || coalesce(', round ' || perception_rounds.collection_start || ' to ' || perception_rounds.collection_end,
                       ', round not in ref_dtm_rounds')
    from perception
    left join perception_rounds on perception_rounds.round = perception.round
    where perception_rounds.round is null
       or perception.interview_date not between perception_rounds.collection_start and perception_rounds.collection_end

    union all
    {{ dq_interview_duration('perception', 'me_perception') }}

    union all
    select dont_know.submission_id, 'dont_know_rate',
           dont_know.dont_know || ' of ' || dont_know.asked || ' items'
    from dont_know
    join rules on rules.form = 'me_perception' and rules.rule = 'dont_know_rate'
    where dont_know.asked > 0 and dont_know.dont_know / dont_know.asked > rules.max_value
),

-- Field monitoring visits and complaints and feedback cases: corrected by editing them in
-- Kobo, not through the cleaning log, so staging is the data as corrected (there is no
-- cln_<form>_corrected model); their cleaned models (cln_me_field_visits,
-- cln_me_feedback_cases) take their flags from this model. Their rules are in
-- dq_me_field_visit_findings and dq_me_feedback_findings, which read the same staging.
field_visits as (
    select * from {{ ref('stg_kobo__me_field_visit') }}
),

feedback_cases as (
    select * from {{ ref('stg_kobo__me_feedback') }}
),

-- Flow monitoring registry: findings kept by its incremental cleaned model --------------
flow_count_findings as (
    select submission_id, enumerator_id, unnest(dq_findings) as finding
    from {{ ref('cln_dtm_flow_counts') }}
    where len(dq_findings) > 0
),

findings as (
    select 'dtm_locality' as form, submission_id, rule, value from locality_findings
    union all
    select 'dtm_site', * from site_findings
    union all
    select 'dtm_flow_survey', * from survey_findings
    union all
    select 'me_activity', * from session_findings
    union all
    select 'me_partner_report', * from partner_report_findings
    union all
    select 'me_pdm', * from pdm_findings
    union all
    select 'me_perception', * from perception_findings

    union all
    -- the field monitoring visits' and the complaints and feedback cases' rules, in models
    -- of their own
    select form, submission_id, rule, value from {{ ref('dq_me_field_visit_findings') }}
    union all
    select form, submission_id, rule, value from {{ ref('dq_me_feedback_findings') }}

    union all
    -- rules computed in models of their own, for the forms their seed rows name
    select form, submission_id, rule, value from {{ ref('dq_soft_duplicate_findings') }}

    union all
    -- the audit log shows the questions went by faster than they can be asked
    select audits.form, audits.submission_id, 'audit_too_fast',
           round(audits.median_seconds_per_question, 1) || ' s a question (median of ' || audits.questions_timed
           || '), ' || cast(round(audits.active_seconds / 60) as integer) || ' min on screen of '
           || cast(round(audits.logged_seconds / 60) as integer) || ' logged'
    from {{ ref('cln_interview_audits') }} as audits
    join rules on rules.rule = 'audit_too_fast' and rules.form = audits.form
    where audits.questions_timed >= 5 and audits.median_seconds_per_question < rules.min_value

    union all
    -- a pace that is not too fast a question, yet too little time for the household the
    -- respondent describes (sizes outside household_size's range are that rule's finding)
    select audits.form, audits.submission_id, 'audit_short_for_household',
           cast(round(audits.active_seconds) as integer) || ' s on screen for a household of '
           || pdm.household_size || ' (' || round(audits.active_seconds / pdm.household_size, 1) || ' s a person)'
    from {{ ref('cln_interview_audits') }} as audits
    join pdm on audits.form = 'me_pdm' and pdm.submission_id = audits.submission_id
    join rules on rules.rule = 'audit_short_for_household' and rules.form = audits.form
    join rules as too_fast on too_fast.rule = 'audit_too_fast' and too_fast.form = audits.form
    join rules as sizes on sizes.rule = 'household_size' and sizes.form = audits.form
    where audits.questions_timed >= 5
      and audits.median_seconds_per_question >= too_fast.min_value
      and pdm.household_size between sizes.min_value and sizes.max_value
      and audits.active_seconds < rules.min_value * pdm.household_size
),

submissions as (
    select 'dtm_locality' as form, submission_id, enumerator_id from assessments
    union all
    select 'dtm_site', submission_id, enumerator_id from sites
    union all
    select 'dtm_flow_survey', submission_id, enumerator_id from surveys
    union all
    select 'me_activity', submission_id, facilitator_id from sessions
    union all
    select 'me_partner_report', submission_id, partner_code from partner_reports
    union all
    select 'me_pdm', submission_id, enumerator_id from pdm
    union all
    select 'me_perception', submission_id, enumerator_id from perception
    union all
    select 'me_field_visit', submission_id, monitor_id from field_visits
    union all
    select 'me_feedback', submission_id, enumerator_id from feedback_cases
),

-- Findings that name their field: the rules on the answers inside repeats, one row per
-- entry with the answer's address as field (repeat_cell_address), so that a team verifies
-- and the cleaning log corrects that answer; "other" answers; the officer's logical checks.
field_findings as (
    select 'dtm_flow_survey' as form, members.submission_id, 'implausible_member_age' as rule,
           {{ repeat_cell_address('travel_group', ['member_position'], 'member_age', 'members') }} as field,
           members.member_age || ' years' as value
    from {{ ref('cln_dtm_flow_survey__travel_group_corrected') }} as members
    join rules on rules.form = 'dtm_flow_survey' and rules.rule = 'implausible_member_age'
    where members.member_age not between rules.min_value and rules.max_value

    union all
    -- key informants of one locality far apart on its IDPs: the informant furthest from the
    -- assessment's figure, so that the team checks that estimate
    select 'dtm_locality', informants.submission_id, 'key_informants_disagree',
           {{ repeat_cell_address('key_informants', ['informant_position'], 'informant_idp_estimate', 'informants') }},
           informants.informant_idp_estimate || ' IDP individuals by this informant; the informants from '
           || informants.lowest || ' to ' || informants.highest || ', the assessment ' || assessments.idp_individuals
    from (
        select *, min(informant_idp_estimate) over locality as lowest, max(informant_idp_estimate) over locality
               as highest, count(*) over locality as estimates
        from {{ ref('cln_dtm_locality__key_informants_corrected') }}
        where informant_idp_estimate > 0
        window locality as (partition by submission_id)
    ) as informants
    join assessments using (submission_id)
    join rules on rules.form = 'dtm_locality' and rules.rule = 'key_informants_disagree'
    where informants.estimates >= 2 and informants.highest > rules.max_value * informants.lowest
    qualify row_number() over (
        partition by informants.submission_id
        order by abs(ln(informants.informant_idp_estimate / greatest(assessments.idp_individuals, 1))) desc,
                 informants.informant_position) = 1

    union all
    select 'me_activity', beneficiaries.submission_id, 'implausible_age',
           {{ repeat_cell_address('beneficiaries', ['beneficiary_position'], 'beneficiary_age', 'beneficiaries') }},
           beneficiaries.beneficiary_age || ' years'
    from {{ ref('cln_me_activity__beneficiaries_corrected') }} as beneficiaries
    join rules on rules.form = 'me_activity' and rules.rule = 'implausible_age'
    where beneficiaries.beneficiary_age not between rules.min_value and rules.max_value

    {%- for form, questions in other_specify_questions().items() %}
    {%- for question in questions %}

    union all
    -- an "other" answer with its text, for the officer to recode or confirm
    select '{{ form }}', submission_id, 'other_specified', '{{ question.choice }}',
           'other: ' || left(trim({{ question.text }}), 80)
    from {{ ref('cln_' ~ form ~ '_corrected') }}
    where {{ question.choice }} = 'other' and trim({{ question.text }}) <> ''
    {%- endfor %}
    {%- endfor %}

    union all
    select form, submission_id, rule, field, value from {{ ref('dq_logical_check_findings') }}

),

all_findings as (
    select findings.form, findings.submission_id, submissions.enumerator_id, findings.rule, findings.value
    from findings
    join submissions on submissions.form = findings.form and submissions.submission_id = findings.submission_id
    union all
    select 'dtm_flow_counts', submission_id, enumerator_id, finding.rule, finding.value
    from flow_count_findings
),

issues as (
    select
        all_findings.form,
        all_findings.submission_id,
        all_findings.enumerator_id,
        all_findings.rule,
        rules.field,
        all_findings.value,
        rules.severity,
        rules.description,
        current_timestamp as detected_at
    from all_findings
    join rules on rules.rule = all_findings.rule and rules.form = all_findings.form

    union all
    select field_findings.form, field_findings.submission_id, submissions.enumerator_id, field_findings.rule,
           field_findings.field, field_findings.value, rules.severity, rules.description, current_timestamp
    from field_findings
    join submissions
        on submissions.form = field_findings.form and submissions.submission_id = field_findings.submission_id
    join rules on rules.rule = field_findings.rule and rules.form = field_findings.form

    union all
    -- Answer-level findings (dq_answer_issues) count here too, so a blocking one keeps the
    -- submission out of the marts; one row per submission and rule, naming every field.
    select
        form,
        submission_id,
        any_value(enumerator_id),
        rule,
        string_agg(field, ', ' order by field),
        min(value),
        any_value(severity),
        any_value(description),
        max(detected_at)
    from {{ ref('dq_answer_issues') }} as answers
    -- an answer a field team or officer confirmed (no_action) is closed, question by question
    where {{ answer_not_confirmed('answers') }}
    group by form, submission_id, rule
),

confirmations as (
    select * from {{ ref('cln_cleaning_confirmations') }}
)

-- an issue a field team or officer verified and confirmed (no_action) is closed
select issues.*
from issues
where not exists (
    select 1 from confirmations
    where confirmations.form = issues.form and confirmations.submission_id = issues.submission_id
      and confirmations.field = issues.field and coalesce(confirmations.rule, issues.rule) = issues.rule)

union all
-- a survey the cleaning log removes (remove_survey) is blocked, with the entry's reason
select
    removals.form,
    removals.submission_id,
    null,
    'removed_by_cleaning_log',
    null,
    'remove_survey: ' || coalesce(removals.source_file, 'cleaning log'),
    rules.severity,
    rules.description,
    current_timestamp
from {{ ref('cln_cleaning_log') }} as removals
join {{ ref('ref_dq_rules') }} as rules on rules.rule = 'removed_by_cleaning_log' and rules.form = '*'
where removals.decision = 'remove_survey' and removals.status = 'applied'
qualify row_number() over (partition by removals.form, removals.submission_id order by removals.changed_at desc) = 1
