SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (COALESCE(leo_earnings."Region", '') GLOB 'N*_%[[]?') AND NOT (COALESCE(leo_earnings."Sex", '') GLOB '?') ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
