# %% [markdown]
# # leostata from Python: the same commands, pandas results
#
# Runs on the embedded synthetic database (fake numbers): open it in Jupyter
# (this file is in the "percent" cell format) or run it with `python`.

# %%
import leostata

print(leostata.connect())  # the setting in use, secrets masked; see leoset

# %% Median PAYE earnings by tax year, computed on the server
medians = leostata.load("earnings if TaxYear >= 201516, "
                        "collapse((p50) median=Earnings (count) n=Earnings) by(TaxYear)")
print(medians)
print(medians.attrs["labels"])  # Stata's variable labels travel in attrs

# %% The number of rows only (count), and the SQL a command runs (sqlonly, to_sql)
print(leostata.load("benefit if Out_of_work_benefit == 1, count"))
print(leostata.to_sql("earnings TaxYear Earnings if Earnings > 20000", dialect="mssql"))

# %% Raw SQL, checked read-only for the database's dialect (leoquery)
print(leostata.query("SELECT TaxYear, COUNT(*) AS n FROM leo_earnings GROUP BY TaxYear "
                     "ORDER BY TaxYear").head())

# %% What is in the extract (leodescribe)
print(leostata.describe().head())
print(leostata.describe(search="subject").head())

# %% Errors carry Stata's message and return code
try:
    leostata.load("earnings TaxYer")
except leostata.LeostataError as err:
    print(f"r({err.rc}): {err.render()}")
