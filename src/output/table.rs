//! Tables declared once: each output row type implements [`Record`] (column names and
//! types, and how to push one row); [`Table`] holds the columns, and the CSV and Parquet
//! writers read the same `Table`, so both files always have the same columns.

/// Column type. No unsigned integers, no nanosecond timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// UTF-8 text.
    Str,
    /// 64-bit signed integer.
    Int,
    /// 64-bit float.
    Float,
    /// Boolean.
    Bool,
    /// Date and time of day without a time zone (Japan time as the article wrote it),
    /// milliseconds since 1970-01-01T00:00: Parquet `TIMESTAMP(MILLIS)`, CSV
    /// `2019-07-04 06:00:00`. A `*_precision` column beside it says how much of it was
    /// written.
    Datetime,
    /// List of texts: a Parquet list column, `; `-joined in CSV.
    List,
}

/// Values of one column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Values {
    /// Text values.
    Str(Vec<Option<String>>),
    /// Integer values.
    Int(Vec<Option<i64>>),
    /// Float values.
    Float(Vec<Option<f64>>),
    /// Boolean values.
    Bool(Vec<Option<bool>>),
    /// Date-times, milliseconds since 1970-01-01T00:00 (no time zone).
    Datetime(Vec<Option<i64>>),
    /// Lists of texts.
    List(Vec<Option<Vec<String>>>),
}

impl Values {
    fn new(ty: ColType) -> Values {
        match ty {
            ColType::Str => Values::Str(Vec::new()),
            ColType::Int => Values::Int(Vec::new()),
            ColType::Float => Values::Float(Vec::new()),
            ColType::Bool => Values::Bool(Vec::new()),
            ColType::Datetime => Values::Datetime(Vec::new()),
            ColType::List => Values::List(Vec::new()),
        }
    }

    /// The column type.
    pub fn col_type(&self) -> ColType {
        match self {
            Values::Str(_) => ColType::Str,
            Values::Int(_) => ColType::Int,
            Values::Float(_) => ColType::Float,
            Values::Bool(_) => ColType::Bool,
            Values::Datetime(_) => ColType::Datetime,
            Values::List(_) => ColType::List,
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::Str(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Datetime(v) => v.len(),
            Values::List(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `i` as CSV text ("" for null).
    pub fn cell(&self, i: usize) -> String {
        match self {
            Values::Str(v) => v[i].clone().unwrap_or_default(),
            Values::Int(v) => v[i].map(|x| x.to_string()).unwrap_or_default(),
            Values::Float(v) => v[i].map(format_float).unwrap_or_default(),
            Values::Bool(v) => v[i].map(|b| b.to_string()).unwrap_or_default(),
            Values::Datetime(v) => v[i].map(format_datetime).unwrap_or_default(),
            Values::List(v) => v[i].as_ref().map(|l| l.join("; ")).unwrap_or_default(),
        }
    }
}

/// `2019-07-04 06:00:00` for milliseconds since 1970-01-01T00:00 (a space, not `T`: Excel
/// and the CSV readers of pandas, polars and DuckDB take it for a date-time).
pub fn format_datetime(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let secs = ms.rem_euclid(86_400_000) / 1000;
    match crate::calendar::Date::from_day_number(days) {
        Some(d) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            d.year,
            d.month,
            d.day,
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ),
        None => ms.to_string(),
    }
}

/// Shortest text that reads back to the same float; non-finite values as NaN/inf.
fn format_float(x: f64) -> String {
    if x.is_finite() {
        let s = format!("{x}");
        if s.contains('e') { format!("{x:e}") } else { s }
    } else {
        x.to_string()
    }
}

/// A named column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Its values.
    pub values: Values,
}

/// A table: named columns of equal length.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    /// Table name (file stem: `documents`, `mentions`, ...).
    pub name: String,
    /// The columns, in output order.
    pub columns: Vec<Column>,
}

/// A row type that can be written as a table.
pub trait Record {
    /// Table name.
    const TABLE: &'static str;
    /// Column names and types, in output order.
    fn columns() -> &'static [(&'static str, ColType)];
    /// Pushes this row's values, one per column, in order.
    fn push(&self, row: &mut RowWriter<'_>);
}

/// Appends one row's values to a table's columns.
pub struct RowWriter<'a> {
    cols: &'a mut [Column],
    i: usize,
}

impl RowWriter<'_> {
    fn next(&mut self) -> &mut Values {
        let c = &mut self.cols[self.i];
        self.i += 1;
        &mut c.values
    }

    /// A text value.
    pub fn str(&mut self, v: impl Into<Option<String>>) -> &mut Self {
        let v = v.into();
        match self.next() {
            Values::Str(col) => col.push(v),
            other => panic!("column type mismatch: text pushed into {other:?}"),
        }
        self
    }

    /// An integer value.
    pub fn int(&mut self, v: impl Into<Option<i64>>) -> &mut Self {
        let v = v.into();
        match self.next() {
            Values::Int(col) => col.push(v),
            other => panic!("column type mismatch: int pushed into {other:?}"),
        }
        self
    }

    /// A float value.
    pub fn float(&mut self, v: impl Into<Option<f64>>) -> &mut Self {
        let v = v.into();
        match self.next() {
            Values::Float(col) => col.push(v),
            other => panic!("column type mismatch: float pushed into {other:?}"),
        }
        self
    }

    /// A date-time value (milliseconds since 1970-01-01T00:00, no time zone).
    pub fn datetime(&mut self, v: impl Into<Option<i64>>) -> &mut Self {
        let v = v.into();
        match self.next() {
            Values::Datetime(col) => col.push(v),
            other => panic!("column type mismatch: datetime pushed into {other:?}"),
        }
        self
    }

    /// A list of texts.
    pub fn list(&mut self, v: impl Into<Option<Vec<String>>>) -> &mut Self {
        let v = v.into();
        match self.next() {
            Values::List(col) => col.push(v),
            other => panic!("column type mismatch: list pushed into {other:?}"),
        }
        self
    }

    /// A boolean value.
    pub fn bool(&mut self, v: impl Into<Option<bool>>) -> &mut Self {
        let v = v.into();
        match self.next() {
            Values::Bool(col) => col.push(v),
            other => panic!("column type mismatch: bool pushed into {other:?}"),
        }
        self
    }
}

impl Table {
    /// An empty table with the columns of `R`.
    pub fn of<R: Record>() -> Table {
        Table {
            name: R::TABLE.to_string(),
            columns: R::columns()
                .iter()
                .map(|(n, t)| Column {
                    name: (*n).to_string(),
                    values: Values::new(*t),
                })
                .collect(),
        }
    }

    /// A table holding `rows`.
    pub fn from_records<'a, R: Record + 'a>(rows: impl IntoIterator<Item = &'a R>) -> Table {
        let mut t = Table::of::<R>();
        for r in rows {
            t.push(r);
        }
        t
    }

    /// Appends one row.
    pub fn push<R: Record>(&mut self, r: &R) {
        let mut w = RowWriter {
            cols: &mut self.columns,
            i: 0,
        };
        r.push(&mut w);
        debug_assert_eq!(
            w.i,
            self.columns.len(),
            "{}: row pushed wrong column count",
            R::TABLE
        );
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    /// Adds a text column (e.g. a metadata variable); `values` must have one per row.
    pub fn add_str_column(&mut self, name: &str, values: Vec<Option<String>>) {
        assert_eq!(values.len(), self.height(), "column {name}: wrong length");
        self.columns.push(Column {
            name: name.to_string(),
            values: Values::Str(values),
        });
    }

    /// Appends the rows of `other`, which must have the same columns (names and types,
    /// in order).
    pub fn append(&mut self, other: Table) -> Result<(), String> {
        let same = self.columns.len() == other.columns.len()
            && self.columns.iter().zip(&other.columns).all(|(a, b)| {
                a.name == b.name
                    && std::mem::discriminant(&a.values) == std::mem::discriminant(&b.values)
            });
        if !same {
            return Err(format!(
                "{}: cannot append rows with other columns ({} vs {})",
                self.name,
                self.column_names().join(","),
                other.column_names().join(",")
            ));
        }
        for (a, b) in self.columns.iter_mut().zip(other.columns) {
            match (&mut a.values, b.values) {
                (Values::Str(x), Values::Str(y)) => x.extend(y),
                (Values::Int(x), Values::Int(y)) => x.extend(y),
                (Values::Float(x), Values::Float(y)) => x.extend(y),
                (Values::Bool(x), Values::Bool(y)) => x.extend(y),
                (Values::Datetime(x), Values::Datetime(y)) => x.extend(y),
                (Values::List(x), Values::List(y)) => x.extend(y),
                _ => unreachable!("checked above"),
            }
        }
        Ok(())
    }

    /// The rows whose `keep` entry is true (`keep` has one entry per row).
    pub fn filter(&self, keep: &[bool]) -> Table {
        fn pick<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
            v.iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(x, _)| x.clone())
                .collect()
        }
        Table {
            name: self.name.clone(),
            columns: self
                .columns
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    values: match &c.values {
                        Values::Str(v) => Values::Str(pick(v, keep)),
                        Values::Int(v) => Values::Int(pick(v, keep)),
                        Values::Float(v) => Values::Float(pick(v, keep)),
                        Values::Bool(v) => Values::Bool(pick(v, keep)),
                        Values::Datetime(v) => Values::Datetime(pick(v, keep)),
                        Values::List(v) => Values::List(pick(v, keep)),
                    },
                })
                .collect(),
        }
    }

    /// The named columns, in the given order (missing names are left out).
    pub fn select(&self, names: &[&str]) -> Table {
        Table {
            name: self.name.clone(),
            columns: names
                .iter()
                .filter_map(|n| self.columns.iter().find(|c| c.name == *n).cloned())
                .collect(),
        }
    }

    /// Removes and returns a column.
    pub fn take_column(&mut self, name: &str) -> Option<Values> {
        let i = self.columns.iter().position(|c| c.name == name)?;
        Some(self.columns.remove(i).values)
    }

    /// Column names, in order.
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Column names and types, in order.
    pub fn schema(&self) -> Vec<(String, ColType)> {
        self.columns
            .iter()
            .map(|c| (c.name.clone(), c.values.col_type()))
            .collect()
    }

    /// An empty table with the given columns.
    pub fn empty(name: &str, schema: &[(String, ColType)]) -> Table {
        Table {
            name: name.to_string(),
            columns: schema
                .iter()
                .map(|(n, t)| Column {
                    name: n.clone(),
                    values: Values::new(*t),
                })
                .collect(),
        }
    }

    /// Column by name.
    pub fn column(&self, name: &str) -> Option<&Values> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.values)
    }
}

/// Reads one row of a [`Table`] by column name: the counterpart of [`RowWriter`], used to
/// turn stored tables back into row structs (aggregates run on stored parts).
pub struct RowReader<'a> {
    table: &'a Table,
    index: std::collections::HashMap<&'a str, usize>,
    row: usize,
}

impl<'a> RowReader<'a> {
    fn new(table: &'a Table) -> RowReader<'a> {
        let index = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        RowReader {
            table,
            index,
            row: 0,
        }
    }

    fn values(&self, name: &str) -> Option<&'a Values> {
        self.index.get(name).map(|&i| &self.table.columns[i].values)
    }

    /// A text value (`None` if null or the column is absent).
    pub fn str(&self, name: &str) -> Option<String> {
        match self.values(name)? {
            Values::Str(v) => v[self.row].clone(),
            other => Some(other.cell(self.row)).filter(|s| !s.is_empty()),
        }
    }

    /// A text value, empty when null or absent.
    pub fn string(&self, name: &str) -> String {
        self.str(name).unwrap_or_default()
    }

    /// An integer value.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.values(name)? {
            Values::Int(v) => v[self.row],
            Values::Str(v) => v[self.row].as_deref().and_then(|s| s.parse().ok()),
            _ => None,
        }
    }

    /// A float value.
    pub fn float(&self, name: &str) -> Option<f64> {
        match self.values(name)? {
            Values::Float(v) => v[self.row],
            Values::Int(v) => v[self.row].map(|x| x as f64),
            Values::Str(v) => v[self.row].as_deref().and_then(|s| s.parse().ok()),
            Values::Bool(_) | Values::Datetime(_) | Values::List(_) => None,
        }
    }

    /// A list of texts (a text column is read as `; `-separated; absent or null: empty).
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.values(name) {
            Some(Values::List(v)) => v[self.row].clone().unwrap_or_default(),
            Some(Values::Str(v)) => v[self.row]
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| s.split("; ").map(str::to_string).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// A boolean value (absent or null: false).
    pub fn flag(&self, name: &str) -> bool {
        match self.values(name) {
            Some(Values::Bool(v)) => v[self.row].unwrap_or(false),
            Some(Values::Str(v)) => v[self.row].as_deref() == Some("true"),
            _ => false,
        }
    }
}

/// A row type that can be read back from a [`Table`] (columns by name; absent columns
/// read as null).
pub trait FromRow: Sized {
    /// The row at the reader's position.
    fn from_row(r: &RowReader<'_>) -> Self;
}

/// Every row of `table` as `R`.
pub fn rows_of<R: FromRow>(table: &Table) -> Vec<R> {
    let mut r = RowReader::new(table);
    (0..table.height())
        .map(|i| {
            r.row = i;
            R::from_row(&r)
        })
        .collect()
}
