/// What `parallelkit run --help` (`-h`, and `parallelkit help run`) prints: GNU parallel's help
/// layout — the usage lines, then the options in a table — with every option the runner has,
/// wrapped at word boundaries to the terminal (``HelpLayout``).
enum RunHelp {
    /// The first usage line, which every form of the help starts with.
    static let usage = "parallelkit run [options] [command [arguments]] < list_of_arguments"

    static let layout = HelpLayout(blocks: [
        .heading("Usage:"),
        .blank,
        .paragraph(usage, indent: 2, hanging: 6),
        .paragraph(
            "parallelkit run [options] [command [arguments]] (::: arguments | :::: argfiles)...",
            indent: 2, hanging: 6),
        .paragraph("cat ... | parallelkit run --pipe [options] [command [arguments]]", indent: 2, hanging: 6),
        .blank,
        .paragraph(
            "Runs the command once for every input, several at a time, as GNU parallel does. Without a command, "
                + "each input is a command. Options end at the first word that is not one: what follows is the command."
        ),
        .blank,
        .heading("Inputs:"),
        .row(term: "::: values", text: "values on the command line; several ::: sources give every combination"),
        .row(term: ":::+ values", text: "values linked to the source before: taken in step, not combined"),
        .row(term: ":::: files", text: "the lines of files (- is standard input); ::::+ links them"),
        .row(term: "-a file, --arg-file", text: "the lines of file, as :::: file"),
        .row(term: "--link, --xapply", text: "link every source; shorter ones start again"),
        .row(term: "-0, --null", text: "inputs end at NUL bytes, not newlines"),
        .row(term: "-d delim", text: "inputs end at delim (\\n, \\t, \\0 and \\xHH are understood)"),
        .row(term: "--colsep sep, -C", text: "split each input into columns, {1} {2} …"),
        .row(
            term: "--header N",
            text: "the first N lines (one, for a value that is not a number) name the columns: {name}"),
        .row(term: "-n N, --max-args", text: "N inputs per job"),
        .row(term: "-N N", text: "N inputs per job; a word holding {} repeats for each"),
        .row(term: "-r, --no-run-if-empty", text: "skip empty inputs"),
        .row(term: "--trim n|l|r|lr|rl", text: "trim white space from the left and right of inputs"),
        .row(term: "--arg-sep sep", text: "sep instead of :::"),
        .row(term: "--arg-file-sep sep", text: "sep instead of ::::"),
        .blank,
        .heading("Replacement strings:"),
        .row(term: "{}", text: "the input"),
        .row(
            term: "{.} {/} {//} {/.}",
            text: "without its extension; its base name; its directory; its base name without extension"),
        .row(
            term: "{n} {n.} {n/} …",
            text: "input source or column n (from the end when negative), with the same forms"),
        .row(term: "{#} {%}", text: "the job's sequence number; its slot (1 to the number of jobs)"),
        .row(term: "-I str, --replace", text: "str instead of {}"),
        .row(
            term: "-q, --quote",
            text: "the command's words are the program's arguments as written, never re-read by a shell"),
        .blank,
        .heading("Jobs:"),
        .row(
            term: "-j N, --jobs, -P",
            text: "run N jobs at once; N% of the cores, +N or -N cores, or 0 for as many as the descriptors allow; "
                + "a file holding the value is read; default: the usable cores"),
        .row(
            term: "--mpi",
            text: "under mpirun -np N: ranks 1 to N-1 run the jobs, -j each on its own cores; rank 0 hands them "
                + "out and prints (a build with --traits MPI)"),
        .blank,
        .heading("Output:"),
        .row(term: "--group", text: "each job's output whole, when it ends (the default)"),
        .row(term: "--line-buffer, --lb", text: "whole lines, as they come"),
        .row(term: "-u, --ungroup", text: "straight through: jobs' output may mix"),
        .row(term: "-k, --keep-order", text: "output in the order of the inputs, not of the jobs' ends"),
        .row(term: "--tag", text: "each line starts with its input and a tab"),
        .row(term: "--tagstring str", text: "each line starts with str (replacement strings allowed)"),
        .row(term: "-v", text: "print each command on standard output before its output"),
        .row(term: "-t, --verbose", text: "print each command on standard error"),
        .row(term: "--dry-run", text: "print the commands, run none"),
        .row(term: "--shell-quote", text: "print the inputs (or the commands) quoted for a shell, run none"),
        .row(
            term: "--results dir",
            text: "save each job's output and error in dir/1/input/stdout and stderr instead of printing them; "
                + "a path with replacement strings names files; a .csv, .tsv or .json file is one table"),
        .row(term: "--tmpdir dir", text: "where large outputs wait to be printed"),
        .blank,
        .heading("Failures:"),
        .row(
            term: "--halt when,why=N",
            text: "when is now or soon, why is fail, success or done, N a count or N%: stop after that many jobs; "
                + "default never"),
        .row(term: "--timeout secs", text: "end a job after secs (s, m, h, d), or N% of the median runtime"),
        .row(term: "--retries N", text: "run a failing job up to N times (0: until it succeeds)"),
        .row(term: "--retry-delay secs", text: "wait secs before the first retry, twice as long before each next"),
        .row(
            term: "--termseq seq",
            text: "how a job's process group is ended: SIGNAL,ms,SIGNAL,ms,…; "
                + "default TERM,200,TERM,100,TERM,50,KILL,25"),
        .blank,
        .heading("Records:"),
        .row(term: "--joblog file", text: "a line for each job ended, GNU's columns (+file appends)"),
        .row(term: "--resume", text: "with --joblog: skip the jobs logged"),
        .row(term: "--resume-failed", text: "with --joblog: run again the jobs that failed, and those not logged"),
        .row(
            term: "--retry-failed", text: "with --joblog: run the failed commands of the log, ignoring the command line"
        ),
        .blank,
        .heading("Progress (on standard error):"),
        .row(term: "--bar", text: "a progress bar"),
        .row(term: "--eta", text: "the time left"),
        .row(term: "--progress", text: "jobs done and running"),
        .row(term: "--total-jobs N", text: "the number of jobs, for --bar and --eta while inputs are still read"),
        .blank,
        .heading("Standard input in blocks:"),
        .row(term: "--pipe", text: "split standard input into blocks, each the standard input of one job"),
        .row(term: "--pipepart", text: "the same, from a file given with -a or ::::, read in place"),
        .row(term: "--block size", text: "the block size (k, M, G; default 1M)"),
        .row(term: "--recend str", text: "blocks end after str (default \\n)"),
        .row(term: "--recstart str", text: "blocks start with str"),
        .blank,
        .heading("This program:"),
        .row(term: "-h, --help", text: "print this help"),
        .row(term: "-V, --version", text: "print the version"),
        .row(term: "--will-cite", text: "accepted and ignored, as are --no-notice, --gnu and --plain"),
        .blank,
        .paragraph(
            "Exit status: 0 when every job succeeded, else the number of jobs that failed (101 for more than 100), "
                + "or what --halt says; 255 for a usage error or a failed write of the runner's own."),
        .blank,
        .paragraph(
            "GNU parallel's options for other machines and other modes (-S, --sshlogin, --semaphore, -X, -m, "
                + "--round-robin, …) are refused with a message. Every option: Guides/CommandRunner.md."),
    ])

    /// The help laid out for `width` columns.
    static func text(width: Int) -> String { layout.render(width: width) }
}
