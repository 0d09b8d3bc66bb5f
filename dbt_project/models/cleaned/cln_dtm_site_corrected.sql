-- Staging's dtm_site submissions with the applicable cleaning-log corrections applied;
-- nothing else changes. Data-quality rules run on this, so a corrected value is judged,
-- not the typo it replaced.
{{ apply_cleaning_log('dtm_site', ref('stg_kobo__dtm_site')) }}
