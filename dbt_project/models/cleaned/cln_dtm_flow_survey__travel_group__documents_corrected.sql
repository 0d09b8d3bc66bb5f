-- Staging's documents repeat nested in travel_group (the identity documents each member
-- of the travel group carries) with the applicable cleaning-log corrections applied,
-- addressed as travel_group[m]/documents[n]/document_type; nothing else changes.
{{ apply_repeat_cleaning_log('dtm_flow_survey', 'travel_group/documents') }}
