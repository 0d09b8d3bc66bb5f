-- Staging's me_partner_report submissions with the applicable cleaning-log corrections
-- applied; nothing else changes. Data-quality rules run on this, so a corrected value is
-- judged, not the typo it replaced.
{{ apply_cleaning_log('me_partner_report', ref('stg_kobo__me_partner_report')) }}
