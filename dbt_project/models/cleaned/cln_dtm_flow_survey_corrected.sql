-- Staging's dtm_flow_survey submissions with the applicable cleaning-log corrections applied;
-- nothing else changes. Data-quality rules run on this, so a corrected value is judged,
-- not the typo it replaced.
{{ apply_cleaning_log('dtm_flow_survey', ref('stg_kobo__dtm_flow_survey')) }}
