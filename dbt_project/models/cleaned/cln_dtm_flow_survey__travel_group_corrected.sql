-- Staging's travel_group repeat (the people travelling with the respondent) with the
-- applicable cleaning-log corrections applied, addressed as travel_group[n]/member_age;
-- nothing else changes. Data-quality rules on the members run on this.
{{ apply_repeat_cleaning_log('dtm_flow_survey', 'travel_group') }}
