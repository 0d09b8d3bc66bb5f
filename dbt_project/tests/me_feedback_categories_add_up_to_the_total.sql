-- A period's categories add up to its total row in me_feedback_cases_by_category: the
-- disclosure plan's margin (serving/disclosure.py MARGINS) relies on it to protect a
-- withheld sensitive count from subtraction.
select period, max(cases) filter (where row_level = 'total') as total,
       sum(cases) filter (where row_level = 'category') as categories
from {{ ref('me_feedback_cases_by_category') }}
group by period
having total is distinct from categories
