# fish completion for ocictl: commands, each command's flags (read from its --help, so
# they never drift), the names and ids of the containers ocid has right now, and the
# images in the caller's store.

function __ocictl_commands
	ocictl --help 2>/dev/null | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF {
		first = $1; alias = ""
		if (first ~ /,$/) { sub(/,$/, "", first); alias = $2; $2 = "" }
		$1 = ""; text = $0; sub(/^ +/, "", text)
		print first "\t" text
		if (alias != "") print alias "\t" text
	}'
end

function __ocictl_command
	set -l words (commandline -opc)
	set -e words[1]
	while set -q words[1]
		switch $words[1]
			case --address --host -H
				set -e words[1]
			case '-*'
			case '*'
				echo $words[1]
				return 0
		end
		set -e words[1]
	end
	return 1
end

function __ocictl_flags
	set -l cmd (__ocictl_command)
	ocictl $cmd --help 2>/dev/null | string match -r -a -- '(?<=^|[ ,])--?[a-zA-Z][a-zA-Z-]*'
end

# The --address or -H the command line gave, if any.
function __ocictl_address
	set -l words (commandline -opc)
	for i in (seq (count $words))
		if string match -q -- '--address=*' $words[$i]; or string match -q -- '--host=*' $words[$i]
			echo $words[$i]
		else if contains -- "$words[$i]" --address --host -H; and set -q words[(math $i + 1)]
			echo $words[$i]
			echo $words[(math $i + 1)]
		end
	end
end

function __ocictl_containers
	set -l address (__ocictl_address)
	ocictl --no-ask-password $address ps -a --format '{{.Names}}' 2>/dev/null
	ocictl --no-ask-password $address ps -a -q --no-trunc 2>/dev/null
end

function __ocictl_takes_containers
	set -l cmd (__ocictl_command); or return 1
	not contains -- $cmd list ps events version create run pull images rmi image
end

function __ocictl_images
	ocictl images 2>/dev/null | awk 'NR > 1 && $2 != "<none>" { print $1 ":" $2 }'
	ocictl images -q 2>/dev/null
end

function __ocictl_takes_images
	set -l cmd (__ocictl_command); or return 1
	contains -- $cmd create run rmi image
end

function __ocictl_takes_bundle
	set -l cmd (__ocictl_command); or return 1
	contains -- $cmd create run
end

complete -c ocictl -f
complete -c ocictl -n 'not __ocictl_command' -l address -r -d "ocid's D-Bus address"
complete -c ocictl -n 'not __ocictl_command' -s H -l host -x -a '(__fish_print_hostnames)' -d 'ocid on another host, over ssh'
complete -c ocictl -n 'not __ocictl_command' -l no-ask-password -d 'Start no polkit agent'
complete -c ocictl -n 'not __ocictl_command' -l version -d "ocictl's version"
complete -c ocictl -n 'not __ocictl_command' -a '(__ocictl_commands)'
complete -c ocictl -n '__ocictl_command; and string match -q -- "-*" (commandline -ct)' -a '(__ocictl_flags)'
complete -c ocictl -n '__ocictl_takes_containers' -a '(__ocictl_containers)'
complete -c ocictl -n '__ocictl_takes_bundle' -a '(__fish_complete_directories)'
complete -c ocictl -n '__ocictl_takes_images' -a '(__ocictl_images)'
complete -c ocictl -n '__ocictl_takes_bundle' -l restart -x -a 'no on-failure always unless-stopped' -d 'Restart policy'
complete -c ocictl -n '__ocictl_takes_bundle' -l health-on-failure -x -a 'none kill restart stop' -d 'What ocid does once unhealthy'
complete -c ocictl -n '__ocictl_takes_bundle' -l sdnotify -x -a 'running ready healthy' -d 'When a Type=notify unit is ready'
complete -c ocictl -n 'test (__ocictl_command) = healthcheck; and not __fish_seen_subcommand_from run' -a run -d 'Run the health check now'
