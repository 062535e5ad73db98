#!/usr/bin/perl
# dh_strip_nondeterminism, first on PATH while dpkg-buildpackage runs
# (build-with-dpkg.sh copies it to /build/wrappers/dh_strip_nondeterminism):
# debhelper's own command, run in this process, with one shortcut.
#
# strip-nondeterminism picks a normalizer by the file's name (.a, .gz, .png,
# .jar, ...) and then, for every other file, runs file(1) once to look for a
# python zip application.  That is a fork and exec a file: 2.7 s for the 602
# files of std_msgs, 45 s summed over the ROS 2 core, and far more under
# QEMU.  A python zip application starts with its "#!" line, and file(1)
# names one only then, so a file that has neither a handled name nor a "#!"
# start gets no normalizer without asking file(1).  Every other file goes
# through the module's own check, unchanged.
#
# The names below are those of strip-nondeterminism 1.13.1 (bookworm) and
# 1.14.1 (trixie), which check the same ones; with any other version this
# runs debhelper's command as it is.
use strict;
use warnings;
use File::StripNondeterminism;

my $command = '/usr/bin/dh_strip_nondeterminism';
my %checked_versions = map { $_ => 1 } qw(1.13.1 1.14.1);
exec $command, @ARGV
  or die "cannot run $command: $!\n"
  unless $checked_versions{$File::StripNondeterminism::VERSION};

my $handled_name = qr{
    \.(?: a | cpio | g?mo | gz | dz | jar | war | hpi | apk | sym | jmod
        | html | bflt | png | zip | pk3 | epub | whl | xpi | htb | zhfst
        | par | codadef )$
  | \.(?i:uimage)$
}x;

sub starts_with_shebang {
    my ($file) = @_;
    open(my $handle, '<', $file) or return 1;    # let the module decide
    my $start = '';
    read($handle, $start, 2);
    close($handle);
    return $start eq '#!';
}

my $module_check = \&File::StripNondeterminism::get_normalizer_for_file;
my ($checked, $skipped) = (0, 0);
{
    no warnings qw(redefine prototype);
    *File::StripNondeterminism::get_normalizer_for_file = sub ($) {
        my ($file) = @_;
        if ($file =~ $handled_name or starts_with_shebang($file)) {
            $checked++;
            return $module_check->($file);
        }
        $skipped++;
        return undef;
    };
}

# debhelper's command, in this process (with this one's @ARGV), so that it
# calls the function above
$0 = $command;
do $command;
die $@ if $@;
print "dh_strip_nondeterminism: $checked file(s) checked by",
  " strip-nondeterminism, $skipped without a file(1) run\n";
exit 0;
