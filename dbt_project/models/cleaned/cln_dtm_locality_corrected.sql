-- Staging's locality assessments with the applicable cleaning-log corrections applied and
-- p-codes mapped through the boundary crosswalk (ref_admin_pcode_crosswalk); nothing else
-- changes. Data-quality rules run on this, so a corrected value is judged,
-- not the typo it replaced.
{{ apply_cleaning_log('dtm_locality', ref('stg_kobo__dtm_locality')) }}
