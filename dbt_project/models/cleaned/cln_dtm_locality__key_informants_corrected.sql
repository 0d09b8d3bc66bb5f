-- Staging's key_informants repeat (the people a locality assessment interviewed; their
-- names and phones are not in staging) with the applicable cleaning-log corrections
-- applied, addressed as key_informants[n]/informant_role; nothing else changes.
{{ apply_repeat_cleaning_log('dtm_locality', 'key_informants') }}
