SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (leo_earnings."Region" COLLATE "C") = 'London' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
