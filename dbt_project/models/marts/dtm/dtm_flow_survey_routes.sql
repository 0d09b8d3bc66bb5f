-- Where the interviewed travellers come from and go to, by month: a place is a
-- sub-prefecture (OCHA p-code) inside the Central African Republic and a country outside
-- it. Consented interviews without a blocking data-quality issue only; travellers counts
-- the respondents and the people travelling with them.
with interviews as (
    select
        *,
        cast(date_trunc('month', survey_date) as date) as survey_month,
        coalesce(origin_admin2_pcode, origin_country) as origin,
        coalesce(destination_admin2_pcode, destination_country) as destination
    from {{ ref('cln_dtm_flow_survey_interviews') }}
    where has_consented and not has_blocking_issue
),

places as (
    select pcode as place, name as name_en, name as name_fr from {{ ref('ref_admin_pcodes') }} where admin_level = 2
    union all
    select choice_code, label_en, label_fr
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'dtm_flow_survey' and choice_list = 'country'
)

select
    interviews.survey_month,
    interviews.origin,
    case when interviews.origin_admin2_pcode is not null then 'admin2' else 'country' end as origin_type,
    origin_place.name_en as origin_name_en,
    origin_place.name_fr as origin_name_fr,
    interviews.destination,
    case when interviews.destination_admin2_pcode is not null then 'admin2' else 'country' end as destination_type,
    destination_place.name_en as destination_name_en,
    destination_place.name_fr as destination_name_fr,
    count(*) as respondents,
    sum(1 + coalesce(interviews.group_members_listed, 0)) as travellers
from interviews
left join places as origin_place on origin_place.place = interviews.origin
left join places as destination_place on destination_place.place = interviews.destination
where interviews.origin is not null and interviews.destination is not null
group by all
