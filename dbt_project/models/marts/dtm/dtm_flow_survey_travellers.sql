-- The travellers behind the flow monitoring interviews, by month, point, sex and DTM age
-- group: the respondents and the people travelling with them (travel_group), and the
-- identity documents the group members carry (documents were asked of members only).
-- Consented interviews without a blocking data-quality issue only. `respondents` is the
-- number of interviews that contributed a traveller to the row.
{%- set documents = ['national_id', 'birth_certificate', 'passport', 'refugee_card', 'laissez_passer'] %}
with interviews as (
    select * from {{ ref('cln_dtm_flow_survey_interviews') }}
    where has_consented and not has_blocking_issue
),

travellers as (
    select submission_id, cast(date_trunc('month', survey_date) as date) as survey_month, fmp_id,
           respondent_sex as sex, respondent_age_group as age_group, true as is_respondent, null::varchar[] as documents
    from interviews
    union all
    select members.submission_id, cast(date_trunc('month', members.survey_date) as date), members.fmp_id,
           members.member_sex, members.member_age_group, false, members.documents
    from {{ ref('cln_dtm_flow_survey_members') }} as members
    where members.has_consented and not members.has_blocking_issue
),

points as (
    select fmp_id, name, admin1_pcode, admin2_pcode from {{ ref('ref_flow_monitoring_points') }}
),

counted as (
    select
        survey_month,
        fmp_id,
        sex,
        age_group,
        count(*) as travellers,
        count(*) filter (where is_respondent) as respondents_in_group,
        count(*) filter (where not is_respondent) as group_members,
        {%- for document in documents %}
        count(*) filter (where list_contains(documents, '{{ document }}')) as members_with_{{ document }},
        {%- endfor %}
        count(*) filter (where not is_respondent and len(documents) = 0) as members_without_document,
        count(distinct submission_id) as respondents
    from travellers
    where sex is not null and age_group is not null
    group by survey_month, fmp_id, sex, age_group
)

select
    counted.survey_month,
    counted.fmp_id,
    points.name as fmp_name,
    points.admin1_pcode,
    points.admin2_pcode,
    counted.sex,
    sex.label_en as sex_label_en,
    sex.label_fr as sex_label_fr,
    counted.age_group,
    {{ age_group_label('counted.age_group', 'en') }} as age_group_label_en,
    {{ age_group_label('counted.age_group', 'fr') }} as age_group_label_fr,
    counted.* exclude (survey_month, fmp_id, sex, age_group)
from counted
left join points on points.fmp_id = counted.fmp_id
{{ join_choice_labels('dtm_flow_survey', 'sex', 'counted.sex', 'sex') }}
