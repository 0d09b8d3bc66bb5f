-- One row per activity session of the community stabilization programme: Kobo's answers
-- typed and renamed; the attendance list is stg_kobo__me_activity__beneficiaries. Deleted
-- submissions are left out.
with source as (
    select * from {{ source('kobo', 'kobo_me_activity') }}
    where deleted_at is null
)

select
    {{ kobo_submission_columns() }},
    {{ kobo_text('grp_activity/activity_code') }} as activity_code,
    {{ kobo_date('grp_activity/activity_date') }} as activity_date,
    {{ kobo_text('grp_activity/admin1') }} as admin1_pcode,
    {{ kobo_text('grp_activity/admin2') }} as admin2_pcode,
    trim({{ kobo_text('grp_activity/venue') }}) as venue,
    {{ kobo_text('grp_activity/facilitator_id') }} as facilitator_id,
    coalesce(json_array_length(payload -> '$.beneficiaries'), 0) as beneficiaries_listed
from source
