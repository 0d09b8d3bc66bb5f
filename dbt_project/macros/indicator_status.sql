{#- The M&E indicator tracker's status bands: the one home of their thresholds.
    me_indicator_tracking (a period's total) and me_indicator_targets_vs_actuals (every
    target) call it; the tracker renders the band and computes none. -#}

{#- An indicator's status band from its % achieved (of the target, pro-rated to date while a
    count's period runs): on track at 90% or more, behind from 60% to under 90%, off track
    under 60%; none where there is no % achieved (no target, or not measured). Where the %
    is withheld (serving/disclosure.py), so is the band read from it (DERIVED there). -#}
{% macro indicator_status(percent_achieved) -%}
    case
        when {{ percent_achieved }} >= 90 then 'on_track'
        when {{ percent_achieved }} >= 60 then 'behind'
        when {{ percent_achieved }} is not null then 'off_track'
    end
{%- endmacro %}
