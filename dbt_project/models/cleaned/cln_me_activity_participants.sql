-- Attendance: one row per person listed at a session, with person_key, the key that counts
-- a person once across activities. People give the same identifiers each time (national
-- ID and/or phone), pseudonymized in staging: the key is the national ID's pseudonym; a
-- record with a phone only takes the national ID of the records that give both that phone
-- and exactly one ID; otherwise the phone's pseudonym. A phone shared by several ID
-- holders links nobody (a family phone). With neither identifier, the attendance counts as
-- a person of its own (and dq_issues says so). person_key is a hash of that pseudonym: it
-- links records, it does not carry the registry's pseudonym itself.
-- disability is the person's status (macros/disability.sql): by the WG-SS cut-off on the WG
-- answers of their latest attendance that carried them (version 2 asks some people), else by
-- their own latest answer to the disability question; disability_source says which. Only
-- attendance at sessions without a blocking issue describes a person, so that one person has
-- one status in every mart; a person seen only at such sessions is described by that row.
{%- set identifiers = beneficiary_identifiers() %}
with attendance as (
    select * from {{ ref('cln_me_activity__beneficiaries_corrected') }}
),

{% if 'beneficiary_national_id_hash' in identifiers and 'beneficiary_phone_hash' in identifiers -%}
phone_to_national_id as (
    select beneficiary_phone_hash, min(beneficiary_national_id_hash) as national_id_hash
    from attendance
    where beneficiary_phone_hash is not null and beneficiary_national_id_hash is not null
    group by beneficiary_phone_hash
    having count(distinct beneficiary_national_id_hash) = 1
),
{%- endif %}

keyed as (
    select
        attendance.*,
        {%- if 'beneficiary_national_id_hash' in identifiers and 'beneficiary_phone_hash' in identifiers %}
        coalesce(attendance.beneficiary_national_id_hash, phone_to_national_id.national_id_hash,
                 attendance.beneficiary_phone_hash)
        {%- elif identifiers %}
        {{ identifiers[0] }}
        {%- else %}
        null
        {%- endif %} as identifier
    from attendance
    {%- if 'beneficiary_national_id_hash' in identifiers and 'beneficiary_phone_hash' in identifiers %}
    left join phone_to_national_id using (beneficiary_phone_hash)
    {%- endif %}
),

sessions as (
    select submission_id, activity_code, activity_date, admin1_pcode, admin1_name, admin2_pcode, admin2_name,
           has_blocking_issue
    from {{ ref('cln_me_activity_sessions') }}
),

attended as (
select
    keyed.submission_id,
    keyed.beneficiary_position,
    sha256('person|' || coalesce(keyed.identifier,
                                 'attendance|' || keyed.submission_id || '|' || keyed.beneficiary_position))
        as person_key,
    keyed.identifier is not null as is_identified,
    sessions.activity_code,
    sessions.activity_date,
    sessions.admin1_pcode,
    sessions.admin1_name,
    sessions.admin2_pcode,
    sessions.admin2_name,
    keyed.beneficiary_sex,
    keyed.beneficiary_age,
    {{ age_group('keyed.beneficiary_age') }} as age_group,
    keyed.displacement_status,
    keyed.has_disability,
    {{ wg_disability('keyed.') }} as wg_disability,
    sessions.has_blocking_issue
from keyed
join sessions on sessions.submission_id = keyed.submission_id
),

person_status as (
    select
        person_key,
        arg_max(wg_disability, (activity_date, submission_id, beneficiary_position))
            filter (where wg_disability is not null) as wg_disability,
        arg_max(has_disability, (activity_date, submission_id, beneficiary_position))
            filter (where has_disability is not null) as has_disability
    from attended
    where not has_blocking_issue
    group by person_key
),

described as (
    select
        attended.*,
        case when person_status.person_key is null then attended.wg_disability
             else person_status.wg_disability end as person_wg_disability,
        case when person_status.person_key is null then attended.has_disability
             else person_status.has_disability end as person_has_disability
    from attended
    left join person_status on person_status.person_key = attended.person_key
)

select
    * exclude (person_wg_disability, person_has_disability),
    {{ disability_status('person_wg_disability', 'person_has_disability') }} as disability,
    {{ disability_source('person_wg_disability', 'person_has_disability') }} as disability_source
from described
