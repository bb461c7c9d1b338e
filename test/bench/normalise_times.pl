#!/usr/bin/perl
# test/bench/normalise_times.pl: the content checks' normal form of audit
# rows.  Reads lines "logged_at<TAB>row as jsonb" in id order and prints
# each row with every timestamp replaced by the number of the audit row
# whose logged_at it is ("@n"), or else by the order in which that value
# first appears ("?n"): two variants that wrote the same rows at other
# times print the same lines.
use strict;
use warnings;

my (@rows, %at, %other);
my $n = 0;
while (<STDIN>) {
	chomp;
	my ($t, $j) = split /\t/, $_, 2;
	push @rows, $j;
	$at{$t} //= scalar @rows;
}
for my $j (@rows) {
	$j =~ s{("\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d:\d\d")}
		{ exists $at{$1} ? "\"\@$at{$1}\"" : "\"?" . ($other{$1} //= ++$n) . "\"" }ge;
	print "$j\n";
}
