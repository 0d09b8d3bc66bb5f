-- A partner assigned an activity where the workplan plans none would be expected to report
-- on months that have no planned period: every assignment must be a workplan row.
select assignments.*
from {{ ref('ref_partner_activities') }} as assignments
left join {{ ref('ref_workplan') }} as workplan using (activity_code, admin2_pcode)
where workplan.activity_code is null
