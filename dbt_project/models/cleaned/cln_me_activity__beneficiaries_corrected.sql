-- Staging's beneficiaries repeat (the attendance list of an activity session) with the
-- applicable cleaning-log corrections applied, addressed as
-- beneficiaries[n]/beneficiary_age; nothing else changes. Data-quality rules on the
-- attendance run on this.
{{ apply_repeat_cleaning_log('me_activity', 'beneficiaries') }}
