-- The payments imported from the finance system's exports, typed, each in the reporting
-- period its date falls in (the import refused any outside every period).
select
    ledger.reference,
    cast(ledger.spent_on as date) as spent_on,
    periods.period,
    ledger.budget_line,
    cast(ledger.amount as decimal(18, 2)) as amount,
    ledger.currency,
    ledger.source_file,
    cast(ledger.source_row as integer) as source_row,
    cast(ledger.imported_at as timestamptz) as imported_at
from {{ source('finance', 'expenditures') }} as ledger
left join {{ ref('ref_reporting_periods') }} as periods
    on cast(ledger.spent_on as date) between periods.period_start and periods.period_end
